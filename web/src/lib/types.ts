// The API's shapes, named for the pages. Every REST shape is generated from the server's OpenAPI schema
// (`make api-types` writes api-schema.d.ts and agents-schema.d.ts; `make test` fails when they are stale):
// never write one by hand here, alias the generated one.
import type { components as ApiComponents } from "./api-schema";
import type { components as AgentsComponents } from "./agents-schema";

type Schemas = ApiComponents["schemas"];
type AgentSchemas = AgentsComponents["schemas"];

// ---- REST API (/api/v1) ---------------------------------------------------------------------------

export type ScanStatus = Schemas["ScanStatus"];
export type TokenPair = Schemas["TokenPair"];
export type User = Schemas["UserRead"];
export type RegisterRequest = Schemas["RegisterRequest"];
export type RoomBrief = Schemas["RoomBrief"];
export type ScanCreate = Schemas["ScanCreate"];
export type ScanCreated = Schemas["ScanCreated"];
export type ProcessAccepted = Schemas["ProcessAccepted"];
export type ImageRead = Schemas["ImageRead"];
export type DuplicateImage = Schemas["DuplicateImage"];
export type UploadResult = Schemas["UploadResult"];
export type HouseRead = Schemas["HouseRead"];
export type RoomRead = Schemas["RoomRead"];
export type SummaryRead = Schemas["SummaryRead"];
export type AgentRun = Schemas["AgentRunRead"];
export type ScanDetail = Schemas["ScanDetail"];
export type ScanListItem = Schemas["ScanListItem"];
export type ScanPage = Schemas["ScanPage"];

/** A checklist item as the server sends it; `ChecklistItemInput` is what it accepts. */
export type ChecklistItem = Schemas["ChecklistItem-Output"];
export type ChecklistItemInput = Schemas["ChecklistItem-Input"];
export type Scope = Schemas["Scope"];
export type CustomItem = Schemas["CustomItemRead"];
export type MergedChecklists = Schemas["MergedChecklists"];

/** Every scope of custom checklist items, in the order the settings show them. */
export const SCOPES: readonly Scope[] = ["house", "room", "product"];

// ---- The analysis result (the agents service's contract) -------------------------------------------

export type Quality = AgentSchemas["Quality"];
export type ConditionalAnswer = AgentSchemas["ConditionalAnswer"];
export type ChecklistAnswers = AgentSchemas["ChecklistAnswers"];
export type RoomResult = AgentSchemas["RoomResult"];
export type ScanResultJson = AgentSchemas["ScanResult"];
export type ProsCons = AgentSchemas["ProsCons"];
export type AgentCost = AgentSchemas["AgentCost"];
export type CostInfo = AgentSchemas["CostInfo"];

/** summary_json: the agents service's response as the server saved it (without agent_executions). */
export type SummaryJson = Omit<AgentSchemas["ScanResponse"], "agent_executions">;

/**
 * The saved analysis of a scan, typed. The API declares `summary_json`, `pros_cons_json` and `cost_summary`
 * as free-form objects; the server fills them from the agents contract (ScanResponse, ProsCons, CostInfo),
 * whose generated types are used here. Summaries saved by older versions may lack fields: read with `?.`.
 */
export function savedAnalysis(summary: SummaryRead | null | undefined): {
  summaryJson: Partial<SummaryJson> | null;
  prosCons: Partial<ProsCons> | null;
  cost: Partial<CostInfo> | null;
} {
  if (!summary) return { summaryJson: null, prosCons: null, cost: null };
  return {
    summaryJson: summary.summary_json as Partial<SummaryJson>,
    prosCons: summary.pros_cons_json as Partial<ProsCons>,
    cost: summary.cost_summary as Partial<CostInfo>,
  };
}

// ---- Socket.IO events on namespace /scans (not part of the REST schema) ------------------------------

export interface ScanEventBase {
  scanId: string;
  eventId?: number | string;
}
export interface UploadedEvent extends ScanEventBase {
  roomsCount?: number;
  imagesCount?: number;
  message?: string;
}
export interface ProcessingEvent extends ScanEventBase {
  message?: string;
}
export interface ProgressEvent extends ScanEventBase {
  progress: number;
  stage?: string;
}
export interface CompletedEvent extends ScanEventBase {
  message?: string;
  result?: unknown;
}
export interface FailedEvent extends ScanEventBase {
  error?: string;
}

export type ScanEvent =
  | { type: "scan:uploaded"; payload: UploadedEvent }
  | { type: "scan:processing"; payload: ProcessingEvent }
  | { type: "scan:progress"; payload: ProgressEvent }
  | { type: "scan:completed"; payload: CompletedEvent }
  | { type: "scan:failed"; payload: FailedEvent };

export const SCAN_EVENT_NAMES = [
  "scan:uploaded",
  "scan:processing",
  "scan:progress",
  "scan:completed",
  "scan:failed",
] as const;
