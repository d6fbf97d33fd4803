import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import FindingsPanel, { type FindingDraft } from "./FindingsPanel";
import { reviewApi, type Finding, type ReportRoom } from "./reviewApi";
import { createQueryClient } from "../../lib/queryClient";
import { withQueries } from "../../test-utils";

const AT = "2026-01-01T10:00:00Z";

const kitchen = {
  id: "r1",
  ordinal: 0,
  label: null,
  name: "Kitchen",
  room_type: { value: "kitchen", source: "model", text: "Kitchen" },
  checklist: {},
  products: {},
  images: [],
} as unknown as ReportRoom;

const waterDamage: Finding = {
  id: "f1",
  room_id: "r1",
  room_name: "Kitchen",
  title: "Water damage",
  severity: "major",
  note: null,
  photo_ids: [],
  source: "person",
  checklist_item_id: "water_damage",
  created_at: AT,
  updated_at: AT,
} as Finding;

const draft = (key: number, over: Partial<FindingDraft> = {}): FindingDraft => ({
  key,
  title: "Water damage",
  severity: "major",
  room_id: "r1",
  note: null,
  photo_ids: [],
  checklist_item_id: "water_damage",
  ...over,
});

function panel(findings: Finding[], withDraft: FindingDraft | null) {
  const props = { scanId: "s1", counts: { major: findings.length }, rooms: [kitchen], editable: true, currency: "GBP", onSaved: () => undefined, onError: () => undefined };
  const client = createQueryClient();
  const view = render(withQueries(<FindingsPanel {...props} findings={findings} draft={null} />, client));
  view.rerender(withQueries(<FindingsPanel {...props} findings={findings} draft={withDraft} />, client));
  return view;
}

describe("making a finding of an answer", () => {
  it("opens the finding already made from that answer, saying so, instead of a new one", () => {
    panel([waterDamage], draft(1));
    expect(screen.queryByRole("form", { name: "New finding" })).toBeNull();
    const open = screen.getByRole("form", { name: "Edit finding: Water damage" });
    expect(open).toBeTruthy();
    expect(screen.getByTestId("finding-exists").textContent).toContain("This answer is already a finding");
    // Another one only when asked for.
    fireEvent.click(screen.getByRole("button", { name: "Make another finding from it" }));
    const form = screen.getByRole("form", { name: "New finding" });
    expect((within(form).getByRole("textbox", { name: "What is it?" }) as HTMLInputElement).value).toBe("Water damage");
  });

  it("opens a new finding for an answer of another room, or with no finding yet", () => {
    panel([waterDamage], draft(2, { room_id: "r2" }));
    expect(screen.getByRole("form", { name: "New finding" })).toBeTruthy();
    expect(screen.queryByTestId("finding-exists")).toBeNull();
  });
});

describe("removing a finding", () => {
  afterEach(() => vi.restoreAllMocks());

  it("asks first, naming the finding: one tap next to Edit removes nothing", async () => {
    const remove = vi.spyOn(reviewApi, "deleteFinding").mockResolvedValue(undefined as never);
    panel([waterDamage], null);
    fireEvent.click(screen.getByRole("button", { name: "Remove finding ‘Water damage’" }));
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Remove finding ‘Water damage’" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove ‘Water damage’ for good" }));
    await waitFor(() => expect(remove).toHaveBeenCalledWith("s1", "f1"));
  });
});
