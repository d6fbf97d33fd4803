// API shapes (DESIGN.md §4). Fields may grow: everything beyond the contract is optional.

export type ScanStatus = "draft" | "queued" | "running" | "succeeded" | "failed";

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in?: number;
}

export interface User {
  id: string;
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  role?: string;
  created_at?: string;
}

export interface RoomBrief {
  id: string;
  ordinal: number;
  label: string | null;
}

export interface ScanCreated {
  id: string;
  status: ScanStatus;
  house_id: string;
  rooms: RoomBrief[];
}

export interface ImageRead {
  id: string;
  room_id: string;
  sha256?: string;
  content_type?: string;
  width: number;
  height: number;
  bytes?: number;
  url: string;
  created_at?: string;
}

export interface DuplicateImage {
  file: string;
  room_ordinal: number;
  sha256: string;
  existing_image_id: string | null;
}

export interface UploadResult {
  images: ImageRead[];
  duplicates: DuplicateImage[];
}

export interface HouseRead {
  id: string;
  address: string | null;
  house_type: string | null;
  status?: string;
}

export interface RoomRead extends RoomBrief {
  detected_room_types: string[];
  images: ImageRead[];
}

export type Quality = "Poor" | "Average" | "Good" | "Excellent" | "N/A";

export interface ConditionalAnswer {
  exists: boolean | null;
  condition?: Quality | string;
  subitems?: Record<string, boolean | null>;
  confidence?: number | null;
}

export interface ChecklistAnswers {
  booleans?: Record<string, boolean | null>;
  categoricals?: Record<string, Quality | string>;
  conditionals?: Record<string, ConditionalAnswer>;
  unassessed?: string[];
  confidence?: Record<string, number>;
}

export interface RoomResult {
  room_id: string;
  status?: "succeeded" | "failed";
  error?: string | null;
  room_types?: string[];
  room_type_confidence?: number | null;
  issues?: ChecklistAnswers;
  products?: ChecklistAnswers;
  details?: Record<string, unknown>;
}

export interface ScanResultJson {
  house_types?: string[];
  house_type_confidence?: number | null;
  house_checklist?: ChecklistAnswers;
  rooms?: RoomResult[];
  summary?: string;
  pros_cons?: { pros?: string[]; cons?: string[] };
}

export interface AgentCost {
  agent_name: string;
  room_id?: string | null;
  model?: string;
  tokens_in?: number;
  tokens_out?: number;
  requests?: number;
  cost_usd?: number;
  seconds?: number;
}

export interface CostInfo {
  provider?: string;
  total_tokens_in?: number;
  total_tokens_out?: number;
  total_requests?: number;
  total_cost_usd?: number;
  compute_seconds?: number;
  by_agent?: AgentCost[];
}

export interface ChecklistItem {
  id: string;
  title: string;
  type: "boolean" | "categorical" | "conditional";
  description?: string;
  options?: string[] | null;
  subitems?: ChecklistItem[] | null;
}

/** summary_json: the agents response (result, client_summary, cost_info), possibly with the checklists used. */
export interface SummaryJson {
  result?: ScanResultJson;
  client_summary?: string;
  cost_info?: CostInfo;
  checklists?: { house?: ChecklistItem[]; room?: ChecklistItem[]; product?: ChecklistItem[] };
  [key: string]: unknown;
}

export interface SummaryRead {
  scan_id?: string;
  summary_json?: SummaryJson | null;
  pros_cons_json?: { pros?: string[]; cons?: string[] } | null;
  cost_summary?: CostInfo | null;
  schema_version?: string;
  derived_at?: string;
}

export interface AgentRun {
  id: string;
  agent_name: string;
  room_id?: string | null;
  model?: string;
  status?: string;
  error?: string | null;
  tokens_in?: number;
  tokens_out?: number;
  requests?: number;
  cost_usd?: number;
  started_at?: string;
  finished_at?: string;
}

export interface ScanDetail {
  id: string;
  status: ScanStatus;
  error: string | null;
  attempts: number;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  detected_house_types?: string[];
  house: HouseRead;
  rooms: RoomRead[];
  summary: SummaryRead | null;
  agent_runs?: AgentRun[];
}

export interface ScanListItem {
  id: string;
  status: ScanStatus;
  error?: string | null;
  house_id?: string;
  address?: string | null;
  house_type?: string | null;
  rooms_count?: number;
  images_count?: number;
  created_at: string;
  finished_at?: string | null;
}

export interface ScanPage {
  items: ScanListItem[];
  next_cursor: string | null;
}

// Socket.IO events on namespace /scans.
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
