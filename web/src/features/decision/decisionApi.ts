// From report to decision (DESIGN.md §7, issue 22): the cost guide and the regional factor, repair lists and
// their read-only links, homes compared with the person's verdicts, one home over time. Every shape is the
// generated one (api-schema.d.ts); every call goes through the one client (lib/api.ts).
import type { components } from "../../lib/api-schema";
import { api, route } from "../../lib/api";
import type { BodyOf, ResponseOf, Trade } from "../../lib/types";

type Schemas = components["schemas"];

export type CostGuide = Schemas["CostGuideOut"];
export type CostGuideRow = Schemas["CostGuideRowOut"];
export type CostPreferences = Schemas["CostPreferencesOut"];
export type RepairList = Schemas["RepairListOut"];
export type RepairVersion = Schemas["RepairVersionOut"];
export type RepairItem = Schemas["RepairItemOut"];
export type RepairItemInput = Schemas["RepairItemIn"];
export type Ask = RepairItemInput["ask"];
export type Comparison = Schemas["Comparison"];
export type ComparedScan = Schemas["ComparedScan"];
export type Verdict = Schemas["VerdictOut"];
export type Changes = Schemas["Changes"];
export type RoomChanges = Schemas["RoomChanges"];
export type RoomPair = Schemas["RoomPairIn"];

const SCANS = "/api/v1/scans";
const COST_PREFERENCES = "/api/v1/me/cost-preferences";
const LISTS = "/api/v1/scans/{scan_id}/repair-lists";
const LIST = "/api/v1/scans/{scan_id}/repair-lists/{list_id}";
const LIST_SHARE = "/api/v1/scans/{scan_id}/repair-lists/{list_id}/share";
const SHARED_LIST = "/api/v1/shared/repair-lists/{token}";
const VERDICT = "/api/v1/scans/{scan_id}/verdict";
const PAIRS = "/api/v1/scans/{scan_id}/changes/pairs";

/** `?scan_ids=a,b,c` of the comparison and its CSV. */
function scanIdsQuery(scanIds: string[]): string {
  return `?${new URLSearchParams({ scan_ids: scanIds.join(",") }).toString()}`;
}

function versionQuery(version?: number): string {
  return version === undefined ? "" : `?${new URLSearchParams({ version: String(version) }).toString()}`;
}

export const decisionApi = {
  costGuide: (trade: Trade | null, q: string, signal?: AbortSignal) => {
    const query = new URLSearchParams();
    if (trade) query.set("trade", trade);
    if (q.trim()) query.set("q", q.trim());
    const qs = query.toString();
    return api.get<ResponseOf<"/api/v1/cost-guide", "get">>(`${route("/api/v1/cost-guide")}${qs ? `?${qs}` : ""}`, signal);
  },
  costPreferences: () => api.get<ResponseOf<typeof COST_PREFERENCES, "get">>(route(COST_PREFERENCES)),
  putCostPreferences: (body: BodyOf<typeof COST_PREFERENCES, "put">) =>
    api.request<ResponseOf<typeof COST_PREFERENCES, "put">>("PUT", route(COST_PREFERENCES), { body }),

  repairLists: (scanId: string) => api.get<ResponseOf<typeof LISTS, "get">>(route(LISTS, { scan_id: scanId })),
  createRepairList: (scanId: string, body: BodyOf<typeof LISTS, "post">) =>
    api.post<ResponseOf<typeof LISTS, "post">>(route(LISTS, { scan_id: scanId }), body),
  patchRepairList: (scanId: string, listId: string, body: BodyOf<typeof LIST, "patch">) =>
    api.request<ResponseOf<typeof LIST, "patch">>("PATCH", route(LIST, { scan_id: scanId, list_id: listId }), { body }),
  revokeRepairList: (scanId: string, listId: string) => api.request<void>("DELETE", route(LIST_SHARE, { scan_id: scanId, list_id: listId })),
  /** A new link to the list's latest version (its token shown once); that version's previous link stops working. */
  newRepairListLink: (scanId: string, listId: string) =>
    api.post<ResponseOf<typeof LIST_SHARE, "post">>(route(LIST_SHARE, { scan_id: scanId, list_id: listId }), {}),
  /** The latest version's CSV, or an earlier `version`'s. */
  repairListCsv: (scanId: string, listId: string, version?: number) =>
    api.download(route("/api/v1/scans/{scan_id}/repair-lists/{list_id}.csv", { scan_id: scanId, list_id: listId }) + versionQuery(version)),
  sharedRepairList: (token: string, signal?: AbortSignal) =>
    api.request<ResponseOf<typeof SHARED_LIST, "get">>("GET", route(SHARED_LIST, { token }), { auth: false, signal }),
  repairListPdf: (scanId: string, listId: string, version?: number) =>
    api.download(route("/api/v1/scans/{scan_id}/repair-lists/{list_id}/report.pdf", { scan_id: scanId, list_id: listId }) + versionQuery(version)),
  sharedRepairListCsvUrl: (token: string) => route("/api/v1/shared/repair-lists/{token}.csv", { token }),
  /** With `tz` (an IANA zone) the PDF prints its times there; without, in UTC (a link sent on names no zone). */
  sharedRepairListPdfUrl: (token: string, tz?: string) =>
    `${route("/api/v1/shared/repair-lists/{token}/report.pdf", { token })}${tz ? `?${new URLSearchParams({ tz }).toString()}` : ""}`,

  compare: (scanIds: string[], signal?: AbortSignal) =>
    api.get<ResponseOf<"/api/v1/compare", "get">>(`${route("/api/v1/compare")}${scanIdsQuery(scanIds)}`, signal),
  compareCsv: (scanIds: string[]) => api.download(`${route("/api/v1/compare.csv")}${scanIdsQuery(scanIds)}`),
  putVerdict: (scanId: string, body: BodyOf<typeof VERDICT, "put">) =>
    api.request<ResponseOf<typeof VERDICT, "put">>("PUT", route(VERDICT, { scan_id: scanId }), { body }),

  /** One page of the person's scans of one house, newest first (another user's house: none). */
  scansOfHouse: (houseId: string, cursor: string | null, signal?: AbortSignal) => {
    const query = new URLSearchParams({ house_id: houseId, limit: "100" });
    if (cursor) query.set("cursor", cursor);
    return api.get<ResponseOf<typeof SCANS, "get">>(`${route(SCANS)}?${query.toString()}`, signal);
  },
  changes: (scanId: string, since: string, signal?: AbortSignal) =>
    api.get<ResponseOf<"/api/v1/scans/{scan_id}/changes", "get">>(
      `${route("/api/v1/scans/{scan_id}/changes", { scan_id: scanId })}?${new URLSearchParams({ since }).toString()}`,
      signal,
    ),
  /** The report's PDF with an appendix of what changed since the earlier scan, room by room. */
  reportPdfWithChanges: (scanId: string, since: string) =>
    api.download(
      `${route("/api/v1/scans/{scan_id}/report.pdf", { scan_id: scanId })}?${new URLSearchParams({ changes_since: since }).toString()}`,
    ),
  putPairs: (scanId: string, pairs: RoomPair[]) => {
    const body: BodyOf<typeof PAIRS, "put"> = { pairs };
    return api.request<ResponseOf<typeof PAIRS, "put">>("PUT", route(PAIRS, { scan_id: scanId }), { body });
  },
};
