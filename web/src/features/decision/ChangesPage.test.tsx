import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AnswerChanges } from "./ChangesPage";
import type { RoomChanges } from "./decisionApi";

type Change = RoomChanges["answers_changed"][number];

const answer = (value: unknown, text: string, source = "person") => ({ value, text, source, photo_ids: [], candidates: [] });

function change(itemId: string, title: string, before: ReturnType<typeof answer>, after: ReturnType<typeof answer>, notAgain = false): Change {
  return { item_id: itemId, before: { ...before, title }, after: { ...after, title }, not_checked_again: notAgain } as unknown as Change;
}

describe("a room's answers then and now", () => {
  it("lists real changes, and apart from them the items nobody checked this time", () => {
    render(
      <AnswerChanges
        changes={[
          change("walls_condition", "Walls condition", answer("Good", "Good"), answer("Poor", "Poor")),
          change("floor_condition", "Floor condition", answer("Good", "Good"), answer(null, "Not assessed", "model"), true),
        ]}
      />,
    );
    expect(screen.getByText("Answers changed (1)")).toBeTruthy();
    const changed = screen.getByTestId("answers-changed");
    expect(changed.textContent).toContain("Walls condition");
    expect(changed.textContent).not.toContain("Floor condition");
    expect(screen.getByTestId("not-checked-again").textContent).toBe("Not checked this time (1): Floor condition (then: Good (you)).");
  });

  it("says no answer changed when the only differences are items not checked again", () => {
    render(<AnswerChanges changes={[change("floor_condition", "Floor condition", answer("Good", "Good"), answer(null, "Not assessed"), true)]} />);
    expect(screen.getByText("No answer changed.")).toBeTruthy();
    expect(screen.getByTestId("not-checked-again")).toBeTruthy();
  });
});
