import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import MarkEditor from "./MarkEditor";
import FindingEditor from "./FindingEditor";
import { clampMark, placeMark } from "./marks";
import { api } from "../../lib/api";
import type { Finding, ReportImage, ReportRoom } from "./reviewApi";
import { withQueries } from "../../test-utils";

const photo: ReportImage = { id: "p1", url: "/img/p1", thumbnail_url: "/img/p1/t" };

/** The photo laid out 200 × 100 px at (10, 20). */
function sizeSurface() {
  const surface = screen.getByTestId("mark-surface").parentElement as HTMLElement;
  vi.spyOn(surface, "getBoundingClientRect").mockReturnValue({ left: 10, top: 20, width: 200, height: 100, right: 210, bottom: 120, x: 10, y: 20, toJSON: () => ({}) });
}

afterEach(() => vi.restoreAllMocks());

describe("MarkEditor", () => {
  it("places a box by dragging, moves it by keyboard within the photo, and saves fractions", () => {
    const onSave = vi.fn();
    render(<MarkEditor photo={photo} title="Damp" initial={[]} onSave={onSave} onCancel={() => undefined} />);
    sizeSurface();
    const input = screen.getByRole("application", { name: "Mark the spot on the photo of Damp" });
    // Drag from (50, 40) to (110, 90) px: x 0.2..0.5, y 0.2..0.7.
    fireEvent.pointerDown(input, { clientX: 50, clientY: 40, pointerId: 1 });
    fireEvent.pointerUp(input, { clientX: 110, clientY: 90, pointerId: 1 });
    const box = document.querySelector('[data-shape="box"]') as SVGRectElement;
    expect([box.getAttribute("x"), box.getAttribute("y"), box.getAttribute("width"), box.getAttribute("height")]).toEqual(["20%", "20%", "30%", "50%"]);
    expect(within(screen.getByRole("list", { name: "Marks on this photo" })).getByRole("button", { pressed: true }).textContent).toBe(
      "Box 1: 20% across, 20% down, 30% by 50% of the photo",
    );
    fireEvent.keyDown(input, { key: "ArrowRight" });
    fireEvent.keyDown(input, { key: "ArrowDown", shiftKey: true });
    // Far to the right: the box stops at the photo's edge.
    for (let i = 0; i < 10; i++) fireEvent.keyDown(input, { key: "ArrowRight", shiftKey: true });
    fireEvent.keyDown(input, { key: "+" });
    fireEvent.click(screen.getByRole("button", { name: "Save marks" }));
    const [[marks]] = onSave.mock.calls;
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ photo_id: "p1", shape: "box" });
    expect(marks[0].x + marks[0].w).toBeLessThanOrEqual(1);
    expect(marks[0].y + marks[0].h).toBeLessThanOrEqual(1);
    expect(marks[0].w).toBeCloseTo(0.32);
    expect(marks[0].y).toBeCloseTo(0.3);
    expect(marks[0].x).toBeCloseTo(0.68);
  });

  it("puts a pin in the middle with Enter and removes it with Delete", () => {
    const onSave = vi.fn();
    render(<MarkEditor photo={photo} title="Damp" initial={[]} onSave={onSave} onCancel={() => undefined} />);
    fireEvent.click(screen.getByRole("radio", { name: "Pin" }));
    const input = screen.getByRole("application");
    fireEvent.keyDown(input, { key: "Enter" });
    expect(screen.getByRole("status").textContent).toBe("Pin 1 at 50% across, 50% down placed");
    fireEvent.keyDown(input, { key: "Delete" });
    fireEvent.click(screen.getByRole("button", { name: "Save marks" }));
    expect(onSave).toHaveBeenCalledWith([]);
  });
});

describe("the shape to mark with", () => {
  it("ticks the chosen shape only, and the tick follows the choice", () => {
    render(<MarkEditor photo={photo} title="Damp" initial={[]} onSave={() => undefined} onCancel={() => undefined} />);
    const ticked = () => screen.getAllByTestId("shape-tick").map((tick) => tick.closest("label")?.textContent);
    expect(ticked()).toEqual(["✓Box"]);
    fireEvent.click(screen.getByRole("radio", { name: "Arrow" }));
    expect(ticked()).toEqual(["✓Arrow"]);
    expect(screen.getByRole("radio", { name: "Arrow" })).toHaveProperty("checked", true);
  });
});

describe("marks", () => {
  it("keeps every mark inside the photo", () => {
    expect(clampMark({ photo_id: "p", shape: "pin", x: 1.4, y: -0.2 })).toEqual({ photo_id: "p", shape: "pin", x: 1, y: 0 });
    expect(clampMark({ photo_id: "p", shape: "box", x: 0.9, y: 0.95, w: 0.3, h: 0.2 })).toEqual({ photo_id: "p", shape: "box", x: 0.7, y: 0.8, w: 0.3, h: 0.2 });
    // A tapped arrow near the edge: the tip where it was put, the tail shortened.
    expect(placeMark("p", "arrow", { x: 0.95, y: 0.5 })).toEqual({ photo_id: "p", shape: "arrow", x: 0.95, y: 0.5, w: 0.05, h: 0.15 });
  });
});

describe("FindingEditor", () => {
  const finding: Finding = {
    id: "f1",
    room_id: "r1",
    room_name: "Kitchen",
    title: "Damp",
    severity: "major",
    note: null,
    photo_ids: ["p1"],
    marks: [],
    source: "person",
    checklist_item_id: "signs_of_damp",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
  const room = { id: "r1", name: "Kitchen", images: [photo] } as unknown as ReportRoom;

  function renderEditor() {
    const onSaved = vi.fn();
    render(
      withQueries(
        <FindingEditor
          scanId="s1"
          finding={finding}
          rooms={[room]}
          photos={new Map([["p1", photo]])}
          currency="GBP"
          onSaved={onSaved}
          onCreated={() => undefined}
          onClose={() => undefined}
          onError={() => undefined}
        />,
      ),
    );
    return onSaved;
  }

  it("saves the trade and the cost range, and refuses a range upside down", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(finding as never);
    renderEditor();
    fireEvent.change(screen.getByRole("combobox", { name: "Who to call" }), { target: { value: "damp_specialist" } });
    fireEvent.change(screen.getByRole("spinbutton", { name: "Cost from, GBP" }), { target: { value: "900" } });
    fireEvent.change(screen.getByRole("spinbutton", { name: "Cost to, GBP" }), { target: { value: "400" } });
    expect(screen.getByRole("alert").textContent).toBe("The lower cost is above the higher one.");
    expect((screen.getByRole("button", { name: "Save finding" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole("spinbutton", { name: "Cost to, GBP" }), { target: { value: "1500" } });
    fireEvent.click(screen.getByRole("button", { name: "Save finding" }));
    await waitFor(() =>
      expect(request).toHaveBeenCalledWith("PATCH", "/api/v1/scans/s1/findings/f1", {
        body: expect.objectContaining({ trade: "damp_specialist", cost_low: 900, cost_high: 1500, cost_source: "person", room_id: "r1" }),
      }),
    );
  });

  it("says why Save finding is greyed out while the finding has no title", () => {
    renderEditor();
    const save = screen.getByRole("button", { name: "Save finding" }) as HTMLButtonElement;
    fireEvent.change(screen.getByRole("textbox", { name: "What is it?" }), { target: { value: "  " } });
    expect(save.disabled).toBe(true);
    expect(screen.getByRole("button", { name: "Save finding", description: "Give it a title to save." })).toBe(save);
    fireEvent.change(screen.getByRole("textbox", { name: "What is it?" }), { target: { value: "Damp" } });
    expect(save.disabled).toBe(false);
    expect(save.getAttribute("aria-describedby")).toBeNull();
    expect(screen.queryByText("Give it a title to save.")).toBeNull();
  });

  it("scrolls the whole editor into view as it opens, its 'Editing' line included, with the title focused", () => {
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    }; // jsdom has none
    try {
      renderEditor();
      expect(scrolled).toEqual([screen.getByTestId("finding-editor")]);
      expect(screen.getByTestId("finding-editor").textContent).toMatch(/^Editing /);
      expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "What is it?" }));
    } finally {
      delete (Element.prototype as Partial<Element>).scrollIntoView;
    }
  });

  it("saves a box drawn on the finding's photo as fractions", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(finding as never);
    const onSaved = renderEditor();
    fireEvent.click(screen.getByRole("button", { name: "Mark the spot on photo 1" }));
    sizeSurface();
    const input = screen.getByRole("application");
    fireEvent.pointerDown(input, { clientX: 110, clientY: 70, pointerId: 1 });
    fireEvent.pointerUp(input, { clientX: 110, clientY: 70, pointerId: 1 });
    fireEvent.click(screen.getByRole("button", { name: "Save marks" }));
    await waitFor(() =>
      expect(request).toHaveBeenCalledWith("PATCH", "/api/v1/scans/s1/findings/f1", {
        body: { marks: [{ photo_id: "p1", shape: "box", x: 0.4, y: 0.4, w: 0.2, h: 0.2 }] },
      }),
    );
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
  });
});
