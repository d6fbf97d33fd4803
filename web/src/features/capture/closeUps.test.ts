import { describe, expect, it } from "vitest";
import { closeUpsOf } from "./closeUps";
import type { RoomRead, UploadResult } from "../../lib/types";

const rooms = [
  { ordinal: 0, label: "Kitchen", images: [{ id: "k1" }] },
  { ordinal: 1, label: "Bedroom", images: [{ id: "b1" }] },
] as unknown as RoomRead[];

function uploaded(images: string[], duplicates: [string, string | null][]): UploadResult {
  return {
    images: images.map((id) => ({ id })),
    duplicates: duplicates.map(([file, existing]) => ({ file, room_ordinal: 1, sha256: "x", existing_image_id: existing })),
  } as unknown as UploadResult;
}

describe("close-ups of an answer", () => {
  it("are the photos stored and those already in this room", () => {
    expect(closeUpsOf(uploaded(["new1"], [["again.jpg", "b1"]]), rooms, 1)).toEqual({ ids: ["new1", "b1"], refused: [] });
  });

  it("name a photo already in another room instead of dropping it silently", () => {
    const { ids, refused } = closeUpsOf(uploaded(["new1"], [["crack.jpg", "k1"]]), rooms, 1);
    expect(ids).toEqual(["new1"]);
    expect(refused).toEqual([
      "crack.jpg is already a photo of Kitchen, so it was not added here as a close-up: take a new photo of this room.",
    ]);
  });

  it("count a file chosen twice in one upload once", () => {
    expect(closeUpsOf(uploaded(["new1"], [["new1-copy.jpg", null]]), rooms, 1)).toEqual({ ids: ["new1"], refused: [] });
  });
});
