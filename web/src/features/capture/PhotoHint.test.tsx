import { render, screen, within } from "@testing-library/react";
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
  it("lists what a room of its type shows, in the report's words and order", () => {
    render(<PhotoHint room={kitchen()} />);
    const hint = within(screen.getByTestId("photo-hint"));
    expect(hint.getByRole("heading").textContent).toBe("What to photograph here");
    expect(hint.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["The sink", "The hob or oven", "The worktop"]);
  });

  it("marks what an analysis did not see in the room's photos", () => {
    const missing = {
      room_id: "k1",
      room_name: "Kitchen",
      items: [KITCHEN_SUBJECTS[0]],
      sentence: "Kitchen: the sink was not seen in its photos.",
    };
    render(<PhotoHint room={kitchen({ what_to_photograph: missing })} />);
    const items = within(screen.getByTestId("photo-hint")).getAllByRole("listitem");
    expect(items[0].textContent).toBe("The sink · not seen in its photos yet");
    expect(items[1].textContent).toBe("The hob or oven");
  });

  it("shows nothing before the report is loaded or for a room with nothing to ask", () => {
    const { unmount } = render(<PhotoHint room={undefined} />);
    expect(screen.queryByTestId("photo-hint")).toBeNull();
    unmount();
    render(<PhotoHint room={kitchen({ photo_subjects: [] })} />);
    expect(screen.queryByTestId("photo-hint")).toBeNull();
  });
});
