import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import ChecklistReview from "./ChecklistReview";
import { findingAnchor } from "./FindingCard";
import type { Answer, Finding } from "./reviewApi";

const AT = "2026-01-01T10:00:00Z";

const waterDamage: Answer = { value: true, source: "person", photo_ids: [], text: "Yes", candidates: [], title: "Water damage", kind: "boolean" };

const finding = {
  id: "f1",
  room_id: "r1",
  title: "Water damage under the sink",
  severity: "major",
  note: null,
  photo_ids: [],
  source: "person",
  checklist_item_id: "water_damage",
  created_at: AT,
  updated_at: AT,
} as Finding;

function checklist(scope: string) {
  render(
    <ChecklistReview
      scanId="s1"
      scope={scope}
      entries={[{ itemId: "water_damage", answer: waterDamage }]}
      photos={[]}
      editable
      onSaved={() => undefined}
      onError={() => undefined}
      onMakeFinding={() => undefined}
      label="Checklist of Kitchen"
      findings={[finding]}
    />,
  );
}

describe("an answer already made a finding", () => {
  it("says the finding is recorded and shows it, instead of offering to make another", () => {
    const card = document.body.appendChild(Object.assign(document.createElement("li"), { id: findingAnchor("f1"), tabIndex: -1 }));
    checklist("r1");
    expect(screen.queryByRole("button", { name: "Make this a finding" })).toBeNull();
    expect(screen.getByTestId("finding-recorded").textContent).toContain("Finding recorded: Water damage under the sink");
    fireEvent.click(screen.getByRole("button", { name: "Show the finding Water damage under the sink" }));
    expect(document.activeElement).toBe(card);
    card.remove();
  });

  it("still offers one for the same item in another room", () => {
    checklist("r2");
    expect(screen.queryByTestId("finding-recorded")).toBeNull();
    expect(screen.getByRole("button", { name: "Make this a finding" })).toBeTruthy();
  });
});
