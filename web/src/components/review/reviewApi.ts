// The review API (DESIGN §6): the merged report, answers with their source, rooms and findings.
import { api } from "../../lib/api";

export type Source = "model" | "person";
export type Quality = "Poor" | "Average" | "Good" | "Excellent";
export type AnswerKind = "boolean" | "categorical" | "conditional" | "product" | "room_type" | "house_type";
export type ConditionalValue = { exists: boolean; condition: Quality | null };
export type AnswerValue = boolean | string | ConditionalValue | null;

export interface Candidate {
  value: string;
  confidence: number | null;
}

export interface Answer {
  value: AnswerValue;
  source: Source;
  model?: string | null;
  confidence?: number | null;
  note?: string | null;
  photo_ids: string[];
  answered_at?: string | null;
  model_value?: AnswerValue;
  model_confidence?: number | null;
  text: string;
  title?: string | null;
  kind?: AnswerKind | null;
  description?: string | null;
  candidates: Candidate[];
}

export type Severity = "safety" | "major" | "maintenance" | "note";
export const SEVERITIES: Severity[] = ["safety", "major", "maintenance", "note"];

export interface Finding {
  id: string;
  room_id: string | null;
  title: string;
  severity: Severity;
  note: string | null;
  photo_ids: string[];
  source: Source;
  checklist_item_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReportImage {
  id: string;
  url: string;
  thumbnail_url: string;
  medium_url?: string | null;
}

export interface ReportRoom {
  id: string;
  ordinal: number;
  label: string | null;
  name: string;
  room_type: Answer;
  checklist: Record<string, Answer>;
  products: Record<string, Answer>;
  images: ReportImage[];
  not_assessed: number;
  analysed: boolean;
  photos_changed: boolean;
}

export interface Report {
  scan_id: string;
  status: string;
  house: { address: string | null; house_type: Answer; checklist: Record<string, Answer> };
  rooms: ReportRoom[];
  findings: Finding[];
  finding_counts: Record<Severity, number>;
  pros: string[];
  cons: string[];
  summary: string;
  assessed: { total: number; by_person: number; by_model: number; not_assessed: number };
  derived_at: string | null;
  thresholds: Record<string, number>;
}

export interface FindingInput {
  title: string;
  severity: Severity;
  room_id?: string | null;
  note?: string | null;
  photo_ids?: string[];
  checklist_item_id?: string | null;
}

const base = (scanId: string) => `/api/v1/scans/${encodeURIComponent(scanId)}`;

export const reviewApi = {
  report: (scanId: string, signal?: AbortSignal) => api.request<Report>("GET", `${base(scanId)}/report`, { signal }),
  putAnswer: (scanId: string, scope: string, itemId: string, body: { value: AnswerValue; note?: string | null; photo_ids?: string[] }) =>
    api.request<Answer>("PUT", `${base(scanId)}/answers/${encodeURIComponent(scope)}/${encodeURIComponent(itemId)}`, { body }),
  revertAnswer: (scanId: string, scope: string, itemId: string) =>
    api.request<void>("DELETE", `${base(scanId)}/answers/${encodeURIComponent(scope)}/${encodeURIComponent(itemId)}`),
  patchRoom: (scanId: string, roomId: string, body: { label?: string | null; room_type?: string | null }) =>
    api.request<unknown>("PATCH", `${base(scanId)}/rooms/${encodeURIComponent(roomId)}`, { body }),
  addFinding: (scanId: string, body: FindingInput) => api.request<Finding>("POST", `${base(scanId)}/findings`, { body }),
  patchFinding: (scanId: string, id: string, body: Partial<FindingInput>) =>
    api.request<Finding>("PATCH", `${base(scanId)}/findings/${encodeURIComponent(id)}`, { body }),
  deleteFinding: (scanId: string, id: string) => api.request<void>("DELETE", `${base(scanId)}/findings/${encodeURIComponent(id)}`),
  reanalyse: (scanId: string, roomIds?: string[]) =>
    api.request<{ id: string; status: string; room_ids: string[] }>("POST", `${base(scanId)}/reanalyse`, {
      body: roomIds ? { room_ids: roomIds } : {},
    }),
  addPhotos: (scanId: string, ordinal: number, files: File[]) =>
    api.upload(scanId, files.map((file) => ({ file, name: file.name, roomOrdinal: ordinal }))).promise,
};

export const ROOM_TYPES = [
  "bedroom",
  "living_room",
  "kitchen",
  "bathroom",
  "dining_room",
  "office",
  "hallway",
  "laundry",
  "garage",
  "exterior",
  "other",
] as const;
export const HOUSE_TYPES = ["apartment", "villa", "townhouse", "studio", "penthouse", "detached_house"] as const;
export const QUALITIES: Quality[] = ["Poor", "Average", "Good", "Excellent"];

export function label(identifier: string): string {
  const text = identifier.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function percent(value: number | null | undefined): string {
  return typeof value === "number" ? `${Math.round(value * 100)}%` : "";
}

/** Who answered, as the person reads it: "You", or "Model · 82%". */
export function whoAnswered(answer: Answer): string {
  if (answer.source === "person") return "You";
  if (answer.value === null) return "";
  return typeof answer.confidence === "number" ? `Model · ${percent(answer.confidence)}` : "Model";
}

/** Items worth a finding once answered: Poor, or a defect seen ("yes" to damp, mould, cracks...). */
const DEFECT = /damp|crack|mould|mold|leak|damage|rot|rust|pest|stain|asbestos/;
export function suggestsFinding(itemId: string, answer: Answer): boolean {
  if (answer.source !== "person") return false;
  const v = answer.value;
  if (v === "Poor") return true;
  if (v && typeof v === "object" && v.condition === "Poor") return true;
  return v === true && answer.kind === "boolean" && DEFECT.test(itemId);
}

/** The two-label room type: each percentage next to the label it belongs to. */
export function candidatesText(answer: Answer): string {
  return answer.candidates
    .map((c) => (typeof c.confidence === "number" ? `${label(c.value)} ${percent(c.confidence)}` : label(c.value)))
    .join(" · ");
}
