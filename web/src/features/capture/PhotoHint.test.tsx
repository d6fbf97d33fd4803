import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ReportRoom } from "../review/reviewApi";
import PhotoHint from "./PhotoHint";

const KITCHEN_SUBJECTS = [
  { key: "sink", label: "the sink", item_ids: ["products.sink"] },
  { key: "hob", label: "the hob or oven", item_ids: ["products.oven"] },
  { key: "worktop", label: "the worktop", item_ids: ["worktop_condition"] },
];

function kitchen(over: Partial<ReportRoom> = {}): ReportRoom {
  return {
    id: "k1",
    name: "Kitchen",
    ordinal: 0,
    photo_subjects: KITCHEN_SUBJECTS,
    what_to_photograph: null,
    ...over,
  } as unknown as ReportRoom;
}

describe("what to photograph here", () => {
  it("says what a room of its type shows, in the report's words and order", () => {
    render(<PhotoHint room={kitchen()} />);
    expect(screen.getByTestId("photo-hint").textContent).toBe(
      "What to photograph here: the sink, the hob or oven and the worktop.",
    );
    expect(screen.queryByTestId("photo-hint-not-seen")).toBeNull();
  });

  it("says again what an analysis did not see in the room's photos", () => {
    const missing = {
      room_id: "k1",
      room_name: "Kitchen",
      items: [KITCHEN_SUBJECTS[0]],
      sentence: "Kitchen: the sink was not seen in its photos.",
    };
    render(<PhotoHint room={kitchen({ what_to_photograph: missing })} />);
    expect(screen.getByTestId("photo-hint-not-seen").textContent).toBe("Not seen in its photos yet: the sink.");
  });

  it("shows nothing before the report is loaded or for a room with nothing to ask", () => {
    const { unmount } = render(<PhotoHint room={undefined} />);
    expect(screen.queryByTestId("photo-hint")).toBeNull();
    unmount();
    render(<PhotoHint room={kitchen({ photo_subjects: [] })} />);
    expect(screen.queryByTestId("photo-hint")).toBeNull();
  });
});
