// Rooms while capturing (docs/ARCHITECTURE.md, DESIGN §7): add and remove; renaming is the review's PATCH
// (reviewApi.patchRoom). Every call goes through the one client (lib/api.ts).
import { api, route } from "../../lib/api";
import type { BodyOf, ResponseOf } from "../../lib/types";

const ROOMS = "/api/v1/scans/{scan_id}/rooms";
const ROOM = "/api/v1/scans/{scan_id}/rooms/{room_id}";

export const captureApi = {
  /** A new room after the last one (201 the room). */
  addRoom: (scanId: string, label: string) => {
    const body: BodyOf<typeof ROOMS, "post"> = label.trim() ? { label: label.trim() } : {};
    return api.post<ResponseOf<typeof ROOMS, "post">>(route(ROOMS, { scan_id: scanId }), body);
  },
  /** The room goes with its photos and answers (409 while the scan is being analysed, or for the last room). */
  removeRoom: (scanId: string, roomId: string) =>
    api.request<ResponseOf<typeof ROOM, "delete">>("DELETE", route(ROOM, { scan_id: scanId, room_id: roomId })),
};
