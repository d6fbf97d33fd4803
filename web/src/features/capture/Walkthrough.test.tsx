import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Answer } from "../review/reviewApi";
import { answerKey } from "../../lib/answerQueue";
import Walkthrough from "./Walkthrough";
import type { Pending } from "./useChecklists";

function answer(over: Partial<Answer>): Answer {
  return { value: null, source: "model", photo_ids: [], text: "Not assessed", candidates: [], ...over };
}

const checklist = {
  walls_condition: answer({ kind: "categorical", title: "Walls condition" }),
  mould: answer({ kind: "boolean", title: "Mould", value: false, text: "No", confidence: 0.8 }),
  balcony: answer({ kind: "conditional", title: "Balcony", source: "person", value: { exists: true, condition: "Good" }, text: "Present, good" }),
};

function walk(pending: ReadonlyMap<string, Pending> = new Map(), onCloseUp?: (files: File[]) => Promise<string[]>) {
  const onSave = vi.fn();
  const onError = vi.fn();
  render(
    <Walkthrough
      scanId="s1"
      scope="r1"
      name="Kitchen"
      checklist={checklist}
      pending={pending}
      progress={{ checked: 1, total: 3 }}
      photos={[{ id: "p9", thumbnail_url: "/t/p9.webp" }]}
      onCloseUp={onCloseUp}
      onSave={onSave}
      onError={onError}
    />,
  );
  const item = (id: string) => within(document.querySelector(`[data-item="${id}"]`) as HTMLElement);
  return { onSave, onError, item };
}

describe("the walk-through", () => {
  it("answers in one tap: the item's own answers, then Not visible and N/A, pressed when chosen", () => {
    const { onSave, item } = walk();
    expect(screen.getByTestId("walk-progress").textContent).toBe("1 of 3 checked");
    const walls = item("walls_condition");
    expect(walls.getAllByRole("button").map((b) => b.textContent)).toEqual(["Poor", "Average", "Good", "Excellent", "Not visible", "N/A"]);
    expect(walls.getByText("Not assessed")).toBeTruthy();
    fireEvent.click(walls.getByRole("button", { name: "Not visible" }));
    expect(onSave).toHaveBeenCalledWith("walls_condition", "not_visible", null, []);

    // The person's answer is pressed; a conditional item offers its condition too.
    const balcony = item("balcony");
    expect(balcony.getByRole("button", { name: "Good" }).getAttribute("aria-pressed")).toBe("true");
    expect(balcony.getByRole("button", { name: "Present" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(balcony.getByRole("button", { name: "Poor" }));
    expect(onSave).toHaveBeenLastCalledWith("balcony", { exists: true, condition: "Poor" }, null, []);
  });

  it("shows the model's answer to confirm, never as the person's", () => {
    const { onSave, item } = walk();
    const mould = item("mould");
    expect(mould.getByText(/The model says/).textContent).toContain("No (80%)");
    expect(mould.getByRole("button", { name: "No" }).getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(mould.getByRole("button", { name: "Confirm No for Mould" }));
    expect(onSave).toHaveBeenCalledWith("mould", false, null, []);
  });

  it("shows an answer waiting for the connection as given, and says so", () => {
    const entry = { key: answerKey("s1", "r1", "walls_condition"), scanId: "s1", scope: "r1", itemId: "walls_condition", value: "Poor", note: "Crack", photoIds: [], savedAt: 1 };
    const { item } = walk(new Map([[entry.key, { entry, state: "waiting" }]]));
    const walls = item("walls_condition");
    expect(walls.getByTestId("walk-answer").textContent).toBe("Poor");
    expect(walls.getByRole("button", { name: "Poor" }).getAttribute("aria-pressed")).toBe("true");
    expect(walls.getByTestId("walk-state").textContent).toMatch(/Saved on this phone/);
    expect((walls.getByLabelText("Note for Walls condition") as HTMLTextAreaElement).value).toBe("Crack");
  });

  it("saves a note with an answer only: on its own it waits for one", () => {
    const { onSave, item } = walk();
    const walls = item("walls_condition");
    const note = walls.getByLabelText("Note for Walls condition");
    fireEvent.change(note, { target: { value: "Damp patch by the door" } });
    fireEvent.blur(note);
    expect(onSave).not.toHaveBeenCalled();
    expect(walls.getByText(/Choose an answer above/)).toBeTruthy();
    fireEvent.click(walls.getByRole("button", { name: "Average" }));
    expect(onSave).toHaveBeenCalledWith("walls_condition", "Average", "Damp patch by the door", []);

    const balcony = item("balcony");
    const balconyNote = balcony.getByLabelText("Note for Balcony");
    fireEvent.change(balconyNote, { target: { value: "South facing" } });
    fireEvent.blur(balconyNote);
    expect(onSave).toHaveBeenLastCalledWith("balcony", { exists: true, condition: "Good" }, "South facing", []);
  });

  it("attaches a close-up to an answered item", async () => {
    const onCloseUp = vi.fn(async () => ["p9"]);
    const { onSave, item } = walk(new Map(), onCloseUp);
    const balcony = item("balcony");
    const input = balcony.getByLabelText("Add a close-up to Balcony");
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], "close.jpg", { type: "image/jpeg" });
    await act(async () => {
      fireEvent.change(input, { target: { files: [file] } });
    });
    expect(onCloseUp).toHaveBeenCalledWith([file]);
    expect(onSave).toHaveBeenLastCalledWith("balcony", { exists: true, condition: "Good" }, null, ["p9"]);
    expect(balcony.getByRole("img", { name: "Close-up 1 for Balcony" })).toBeTruthy();
  });

  it("can be skipped: what is skipped stays not assessed", () => {
    walk();
    fireEvent.click(screen.getByRole("button", { name: "Skip the checklist" }));
    expect(screen.queryAllByTestId("walk-item")).toHaveLength(0);
    expect(screen.getByTestId("walk-progress").textContent).toMatch(/Skipped for now: 1 of 3 checked.*not assessed/);
    const reopen = screen.getByRole("button", { name: "Open the checklist" });
    expect(document.activeElement).toBe(reopen);
    fireEvent.click(reopen);
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Checklist: Kitchen" }));
  });
});
