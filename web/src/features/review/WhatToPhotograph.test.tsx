import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ScopeAndLimitations } from "./ReportFrame";
import type { Report, ReportRoom } from "./reviewApi";
import WhatToPhotograph from "./WhatToPhotograph";

const OWNER_SENTENCE = "Kitchen: the sink was not seen in its photos. If the room has it, photograph it so it can be checked.";

function room(id: string, name: string, ordinal: number): ReportRoom {
  return { id, name, ordinal, label: name, checklist: {}, products: {}, images: [], analysed: true } as unknown as ReportRoom;
}

/** A report whose kitchen's photos showed no sink, and whose bathroom's showed all its checklist asks. */
function report(sentence = OWNER_SENTENCE): Report {
  const hint = {
    room_id: "k1",
    room_name: "Kitchen",
    items: [{ key: "sink", label: "the sink", item_ids: ["products.sink"] }],
    sentence,
  };
  return {
    house: { address: "5 Rose Lane", checklist: {} },
    rooms: [{ ...room("k1", "Kitchen", 0), what_to_photograph: hint }, room("b1", "Bathroom", 1)],
    assessed: { total: 10, by_person: 0, by_model: 4, not_assessed: 6 },
    limitations: {
      statement: "You checked 0 of 10 items.",
      not_assessed: 6,
      items: [],
      rooms_without_photos: [],
      what_to_photograph: [hint],
    },
  } as unknown as Report;
}

describe("what the photos did not show", () => {
  it("says the server's sentence for each room it names, and nothing for a report without any", () => {
    const { unmount } = render(<WhatToPhotograph report={report()} />);
    const hints = screen.getAllByTestId("photo-hint");
    expect(hints.map((h) => h.querySelector("p")?.textContent)).toEqual([OWNER_SENTENCE]);
    unmount();
    const none = report();
    none.limitations.what_to_photograph = [];
    render(<WhatToPhotograph report={none} />);
    expect(screen.queryByTestId("what-to-photograph")).toBeNull();
  });

  it("lets the owner add photos to that room, and says to re-analyse once they are added", async () => {
    const onAddPhotos = vi.fn(async () => undefined);
    render(<WhatToPhotograph report={report()} onAddPhotos={onAddPhotos} />);
    const input = screen.getByLabelText("Add photos of Kitchen: the sink");
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], "sink.jpg", { type: "image/jpeg" });
    await act(async () => {
      fireEvent.change(input, { target: { files: [file] } });
    });
    expect(onAddPhotos).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ id: "k1", ordinal: 0 }), [file]);
    expect(screen.getByRole("status").textContent).toContain("Re-analyse the room");
  });

  it("says when the photos could not be added", async () => {
    const onAddPhotos = vi.fn(async () => {
      throw new Error("offline");
    });
    render(<WhatToPhotograph report={report()} onAddPhotos={onAddPhotos} />);
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], "sink.jpg", { type: "image/jpeg" });
    await act(async () => {
      fireEvent.change(screen.getByLabelText("Add photos of Kitchen: the sink"), { target: { files: [file] } });
    });
    expect(screen.getByRole("alert").textContent).toContain("could not be added");
  });

  it("is part of the scope and limitations; a shared report's reader gets the sentence and no button", () => {
    const reader = "Kitchen: the sink was not seen in its photos, so it was not checked.";
    render(<ScopeAndLimitations report={report(reader)} audience="reader" />);
    const limits = within(screen.getByTestId("limitations"));
    expect(limits.getByTestId("what-to-photograph").textContent).toContain(reader);
    expect(limits.queryByLabelText(/Add photos/)).toBeNull();
  });
});
