// The API's shapes, named for the pages. Every shape is generated from the server's schemas (`make api-types`
// writes api-schema.d.ts, agents-schema.d.ts and events-schema.d.ts; `make test` fails when they are stale):
// never write one by hand here, alias the generated one.
import type { components as ApiComponents, paths } from "./api-schema";
import type { components as EventsComponents } from "./events-schema";

type Schemas = ApiComponents["schemas"];
type EventSchemas = EventsComponents["schemas"];

// ---- REST API (/api/v1) ---------------------------------------------------------------------------

/** Every path of the API schema (e.g. "/api/v1/scans/{scan_id}"). */
export type ApiPath = keyof paths & string;
type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
/** The methods the schema declares for a path. */
export type MethodOf<P extends ApiPath> = {
  [M in HttpMethod]: paths[P][M] extends undefined ? never : M;
}[HttpMethod];
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : void;
/** What a route answers on success (200, 201 or 202 JSON; void for 204), from the generated schema. */
export type ResponseOf<P extends ApiPath, M extends MethodOf<P>> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer S }
    ? JsonOf<S>
    : R extends { 201: infer S }
      ? JsonOf<S>
      : R extends { 202: infer S }
        ? JsonOf<S>
        : void
  : never;
/** The JSON body a route takes, from the generated schema. */
export type BodyOf<P extends ApiPath, M extends MethodOf<P>> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;
/** The `{names}` in a path template. */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | PathParams<Rest> : never;


export type ScanStatus = Schemas["ScanStatus"];
export type RoomType = Schemas["RoomType"];
export type HouseType = Schemas["HouseType"];
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

/** The review (docs/ARCHITECTURE.md §6): the merged report, answers with their source, rooms and findings. */
export type Answer = Schemas["Answer"];
export type Candidate = Schemas["Candidate"];
export type Severity = Schemas["Severity"];
export type Finding = Schemas["FindingOut"];
export type FindingInput = Schemas["FindingCreate"];
export type ReportImage = Schemas["ReportImage"];
export type ReportRoom = Schemas["ReportRoom"];
export type Report = Schemas["Report"];
export type Mark = Schemas["Mark"];
export type MarkShape = Mark["shape"];
export type Trade = Schemas["Trade"];
export type Limitations = Schemas["Limitations"];
export type CostTotals = Schemas["CostTotals"];
export type Audience = NonNullable<Report["audience"]>;
/** The account's currency (ISO 4217) and time zone (IANA), GET/PUT /api/v1/me/preferences. */
export type AccountPreferences = Schemas["Preferences"];

// ---- Socket.IO events on namespace /scans -------------------------------------------------------------
// Generated as well (events-schema.d.ts, from the server's EventPayload models); the server adds `eventId`,
// the replay cursor, when it sends one.

type Sent<T> = T & { eventId?: number };
export type ScanEventBase = Sent<{ scanId: string }>;
export type UploadedEvent = Sent<EventSchemas["ScanUploaded"]>;
export type ProcessingEvent = Sent<EventSchemas["ScanProcessing"]>;
// `paused` is absent from the events stored (and replayed) before it was added.
export type ProgressEvent = Sent<Omit<EventSchemas["ScanProgress"], "paused"> & { paused?: boolean }>;
export type CompletedEvent = Sent<EventSchemas["ScanCompleted"]>;
export type FailedEvent = Sent<EventSchemas["ScanFailed"]>;
/** A person edited the report (answer, room, finding) in one of their tabs. */
export type UpdatedEvent = Sent<EventSchemas["ScanUpdated"]>;

export type ScanEvent =
  | { type: "scan:uploaded"; payload: UploadedEvent }
  | { type: "scan:processing"; payload: ProcessingEvent }
  | { type: "scan:progress"; payload: ProgressEvent }
  | { type: "scan:completed"; payload: CompletedEvent }
  | { type: "scan:failed"; payload: FailedEvent }
  | { type: "scan:updated"; payload: UpdatedEvent };

export const SCAN_EVENT_NAMES = [
  "scan:uploaded",
  "scan:processing",
  "scan:progress",
  "scan:completed",
  "scan:failed",
  "scan:updated",
] as const;
