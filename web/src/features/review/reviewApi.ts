// The review API (docs/ARCHITECTURE.md §6): the merged report, answers with their source, rooms and findings. Every shape is
// the generated one (api-schema.d.ts, see lib/types.ts); every call goes through the one client (lib/api.ts).
import { api, ApiError, route } from "../../lib/api";
import type { Answer, Audience, BodyOf, Finding, HouseType, ResponseOf, RoomType, Severity, Trade } from "../../lib/types";

export type {
  Answer,
  Candidate,
  Finding,
  FindingInput,
  Report,
  ReportImage,
  ReportRoom,
  Severity,
  Trade,
} from "../../lib/types";
export type Source = Answer["source"];
export type AnswerKind = NonNullable<Answer["kind"]>;

// The API declares an answer's `value` as any JSON (AnswerPut's description lists what each kind takes), so
// the review's vocabulary of values is written here, and `answerValue` reads the server's value into it.
export const QUALITIES = ["Poor", "Average", "Good", "Excellent"] as const;
export type Quality = (typeof QUALITIES)[number];
export type ConditionalValue = { exists: boolean; condition: Quality | null };
export type AnswerValue = boolean | string | ConditionalValue | null;

export function isQuality(value: unknown): value is Quality {
  return (QUALITIES as readonly unknown[]).includes(value);
}

/**
 * An answer's value (or `model_value`) as the review reads it: yes/no, a label (a quality, a room or house
 * type), or present-with-condition; null for "not assessed", which is also what an absent value or a shape no
 * kind of item uses reads as.
 */
export function answerValue(value: unknown): AnswerValue {
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (value !== null && typeof value === "object" && typeof (value as { exists?: unknown }).exists === "boolean") {
    const { exists, condition } = value as { exists: boolean; condition?: unknown };
    return { exists, condition: isQuality(condition) ? condition : null };
  }
  return null;
}

/** Every severity, most serious first (the order the server sorts findings in). */
export const SEVERITIES = ["safety", "major", "maintenance", "note"] as const satisfies readonly Severity[];
// A severity the schema adds and this list lacks fails to compile here.
const everySeverity: Record<Exclude<Severity, (typeof SEVERITIES)[number]>, never> = {};
void everySeverity;

/** Who to call, in the order the form offers them. */
export const TRADES = [
  "builder",
  "electrician",
  "plumber",
  "heating",
  "roofer",
  "damp_specialist",
  "carpenter",
  "glazier",
  "pest_control",
  "general",
  "other",
] as const satisfies readonly Trade[];
const everyTrade: Record<Exclude<Trade, (typeof TRADES)[number]>, never> = {};
void everyTrade;
export const TRADE_TITLE: Record<Trade, string> = {
  builder: "Builder",
  electrician: "Electrician",
  plumber: "Plumber",
  heating: "Heating engineer",
  roofer: "Roofer",
  damp_specialist: "Damp specialist",
  carpenter: "Carpenter",
  glazier: "Glazier",
  pest_control: "Pest control",
  general: "General handyman",
  other: "Other",
};

export const SEVERITY_TITLE: Record<Severity, string> = {
  safety: "Safety",
  major: "Major",
  maintenance: "Maintenance",
  note: "Note",
};

const FINDING_PHOTOS = "/api/v1/scans/{scan_id}/findings/{finding_id}/photos";

/**
 * Close-ups of a finding, multipart `images` like the scan's upload, on the client's token path (one retry
 * after a refresh when the token was refused).
 */
async function addFindingPhotos(scanId: string, findingId: string, files: File[]): Promise<Finding> {
  const send = async (token: string | null) => {
    const form = new FormData();
    for (const file of files) form.append("images", file, file.name || "close-up.jpg");
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(route(FINDING_PHOTOS, { scan_id: scanId, finding_id: findingId }), { method: "POST", headers, body: form });
    } catch {
      throw new ApiError(0, null);
    }
  };
  let res = await send(await api.accessToken());
  if (res.status === 401) {
    const refreshed = await api.refresh();
    if (refreshed) res = await send(refreshed.access_token);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, (body as { detail?: unknown } | null)?.detail ?? null);
  return body as ResponseOf<typeof FINDING_PHOTOS, "post">;
}

const ANSWER = "/api/v1/scans/{scan_id}/answers/{scope}/{item_id}";
const FINDING = "/api/v1/scans/{scan_id}/findings/{finding_id}";

export const reviewApi = {
  report: (scanId: string, signal?: AbortSignal) =>
    api.get<ResponseOf<"/api/v1/scans/{scan_id}/report", "get">>(route("/api/v1/scans/{scan_id}/report", { scan_id: scanId }), signal),
  putAnswer: (
    scanId: string,
    scope: string,
    itemId: string,
    answer: { value: AnswerValue; note?: string | null; photo_ids?: string[] },
    signal?: AbortSignal,
  ) => {
    const body: BodyOf<typeof ANSWER, "put"> = answer;
    return api.request<ResponseOf<typeof ANSWER, "put">>("PUT", route(ANSWER, { scan_id: scanId, scope, item_id: itemId }), { body, signal });
  },
  revertAnswer: (scanId: string, scope: string, itemId: string) =>
    api.request<ResponseOf<typeof ANSWER, "delete">>("DELETE", route(ANSWER, { scan_id: scanId, scope, item_id: itemId })),
  patchRoom: (scanId: string, roomId: string, body: BodyOf<"/api/v1/scans/{scan_id}/rooms/{room_id}", "patch">) =>
    api.request<ResponseOf<"/api/v1/scans/{scan_id}/rooms/{room_id}", "patch">>(
      "PATCH",
      route("/api/v1/scans/{scan_id}/rooms/{room_id}", { scan_id: scanId, room_id: roomId }),
      { body },
    ),
  addFinding: (scanId: string, body: BodyOf<"/api/v1/scans/{scan_id}/findings", "post">) =>
    api.post<ResponseOf<"/api/v1/scans/{scan_id}/findings", "post">>(route("/api/v1/scans/{scan_id}/findings", { scan_id: scanId }), body),
  patchFinding: (scanId: string, id: string, body: BodyOf<typeof FINDING, "patch">) =>
    api.request<ResponseOf<typeof FINDING, "patch">>("PATCH", route(FINDING, { scan_id: scanId, finding_id: id }), { body }),
  deleteFinding: (scanId: string, id: string) =>
    api.request<ResponseOf<typeof FINDING, "delete">>("DELETE", route(FINDING, { scan_id: scanId, finding_id: id })),
  addFindingPhotos,
  reanalyse: (scanId: string, roomIds?: string[]) => {
    const body: BodyOf<"/api/v1/scans/{scan_id}/reanalyse", "post"> = roomIds ? { room_ids: roomIds } : {};
    return api.post<ResponseOf<"/api/v1/scans/{scan_id}/reanalyse", "post">>(route("/api/v1/scans/{scan_id}/reanalyse", { scan_id: scanId }), body);
  },
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
] as const satisfies readonly RoomType[];
export const HOUSE_TYPES = ["apartment", "villa", "townhouse", "studio", "penthouse", "detached_house"] as const satisfies readonly HouseType[];
// A room or house type the API adds and these lists lack fails to compile here (one it drops fails `satisfies`).
const everyRoomType: Record<Exclude<RoomType, (typeof ROOM_TYPES)[number]>, never> = {};
const everyHouseType: Record<Exclude<HouseType, (typeof HOUSE_TYPES)[number]>, never> = {};
void everyRoomType;
void everyHouseType;

// Where the server's words (its answers' `text`, review/wording.py) are not the identifier's: the type picker and
// the model's guesses say what the room type shows ("Exterior view").
const LABEL_WORDS = new Map([["exterior", "Exterior view"]]);

export function label(identifier: string): string {
  const word = LABEL_WORDS.get(identifier);
  if (word) return word;
  const text = identifier.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function percent(value: number | null | undefined): string {
  return typeof value === "number" ? `${Math.round(value * 100)}%` : "";
}

/**
 * Who the words speak to: the owner reads "you"; a reader of a shared link (often the seller or landlord, who
 * would read "the owner" as themselves) reads "the person who inspected this home".
 */
export function personWord(audience: Audience = "owner"): { who: string; Who: string } {
  const inspector = "person who inspected this home";
  return audience === "reader" ? { who: `the ${inspector}`, Who: `The ${inspector}` } : { who: "you", Who: "You" };
}

/** "9 times in 10" for 0.9 (never "10 in 10": a measured precision is never certainty). */
function timesInTen(precision: number): string {
  return `${Math.min(9, Math.max(1, Math.round(precision * 10)))} times in 10`;
}

/**
 * Who answered, as the reader reads it: "You" (or "The owner" on a shared report), "Model · right 9 times in 10"
 * when the figure is how often this kind of answer was right on test photos, else "Model · 82%".
 */
export function whoAnswered(answer: Answer, audience: Audience = "owner"): string {
  if (answer.source === "person") return personWord(audience).Who;
  if (answerValue(answer.value) === null) return "";
  if (answer.confidence_basis === "out_of_fold_precision" && typeof answer.confidence === "number") {
    return `Model · right ${timesInTen(answer.confidence)}`;
  }
  return typeof answer.confidence === "number" ? `Model · ${percent(answer.confidence)}` : "Model";
}

/** What a model's figure means, in a sentence; null when it has none or a person answered. */
export function confidenceSentence(answer: Answer): string | null {
  if (answer.source === "person" || answerValue(answer.value) === null) return null;
  const photos = typeof answer.measured_on === "number" ? ` (${answer.measured_on} photos)` : "";
  const kind = answer.kind === "product" ? "sighting" : "answer";
  if (answer.confidence_basis === "out_of_fold_precision" && typeof answer.confidence === "number") {
    return `This kind of ${kind} is right ${timesInTen(answer.confidence)} on our test photos${photos}.`;
  }
  if (answer.confidence_basis === "model_score" && typeof answer.measured_precision === "number") {
    return (
      `The model's own score for these photos is ${percent(answer.confidence)}; this kind of ${kind} is right ` +
      `${timesInTen(answer.measured_precision)} on our test photos${photos}.`
    );
  }
  if (answer.confidence_basis === "stated_by_model") return "The figure is the model's own statement, not a measurement.";
  return null;
}

/** How strongly this photo shows it, from the model's own score: for colour, never as a probability. */
export function photoStrength(answer: Answer): "strong" | "weak" | null {
  if (answer.source === "person" || typeof answer.photo_score !== "number") return null;
  return answer.photo_score >= 0.5 ? "strong" : "weak";
}

/** Items worth a finding once answered: Poor, or a defect seen ("yes" to damp, mould, cracks...). */
const DEFECT = /damp|crack|mould|mold|leak|damage|rot|rust|pest|stain|asbestos/;
export function suggestsFinding(itemId: string, answer: Answer): boolean {
  if (answer.source !== "person") return false;
  const v = answerValue(answer.value);
  if (v === "Poor") return true;
  if (v && typeof v === "object" && v.condition === "Poor") return true;
  return v === true && answer.kind === "boolean" && DEFECT.test(itemId);
}

/** The two-label room type: each percentage next to the label it belongs to. */
export function candidatesText(answer: Answer): string {
  return (answer.candidates ?? [])
    .map((c) => (typeof c.confidence === "number" ? `${label(c.value)} ${percent(c.confidence)}` : label(c.value)))
    .join(" · ");
}
