import { roomName } from "../../lib/format";
import type { RoomRead, UploadResult } from "../../lib/types";

/** The photos an upload of close-ups gives an answer in room `roomOrdinal`: the ones stored, and the ones
 * already in this room (a photo sent twice is stored once). A photo already stored in another room cannot
 * be this room's close-up (the server refuses an answer with another room's photos), so it is named
 * instead of being dropped without a word. */
export function closeUpsOf(
  result: UploadResult,
  rooms: readonly Pick<RoomRead, "ordinal" | "label" | "images">[],
  roomOrdinal: number,
): { ids: string[]; refused: string[] } {
  const ids = result.images.map((image) => image.id);
  const refused: string[] = [];
  for (const duplicate of result.duplicates) {
    const existing = duplicate.existing_image_id;
    if (!existing) continue; // the same file twice in this upload: its stored copy is among the images
    const home = rooms.find((room) => room.images.some((image) => image.id === existing));
    if (!home || home.ordinal === roomOrdinal) {
      if (!ids.includes(existing)) ids.push(existing);
      continue;
    }
    refused.push(
      `${duplicate.file} is already a photo of ${roomName(home)}, so it was not added here as a close-up: take a new photo of this room.`,
    );
  }
  return { ids, refused };
}
