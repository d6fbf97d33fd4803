import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { answerKey } from "../../lib/answerQueue";
import type { Answer, Report } from "../review/reviewApi";
import HouseTypeQuestion from "./HouseTypeQuestion";
import type { Pending } from "./useChecklists";

function answer(over: Partial<Answer>): Answer {
  return { value: null, source: "model", photo_ids: [], text: "Not assessed", candidates: [], ...over };
}

/** A draft's report: its rooms' types as their names say (a person's answer) or nothing. */
function report(roomTypes: (string | null)[], houseType: Partial<Answer> = {}): Report {
  return {
    scan_id: "s1",
    house: { address: "2 Canal Row", house_type: answer({ kind: "house_type", text: "Not determined", ...houseType }), checklist: {} },
    rooms: roomTypes.map((type, n) => ({
      id: `r${n}`,
      ordinal: n,
      label: null,
      name: `Room ${n + 1}`,
      room_type: answer({ kind: "room_type", value: type, source: type ? "person" : "model" }),
      checklist: {},
      products: {},
    })),
  } as unknown as Report;
}

function ask(r: Report | null, pending?: Pending) {
  const onChoose = vi.fn();
  render(<HouseTypeQuestion report={r} pending={pending} onChoose={onChoose} />);
  return onChoose;
}

describe("the house-type question", () => {
  it("asks what kind of home it is when no room shows the outside, one tap per type of the vocabulary", () => {
    const onChoose = ask(report(["kitchen", "bedroom", null]));
    const question = within(screen.getByTestId("house-type-question"));
    expect(question.getByRole("heading").textContent).toBe("What kind of home is this?");
    const choices = question.getByRole("group").querySelectorAll("button");
    expect([...choices].map((b) => b.textContent)).toEqual(expect.arrayContaining(["Apartment", "Townhouse", "Detached house", "Studio"]));
    expect([...choices].every((b) => b.getAttribute("aria-pressed") === "false")).toBe(true);

    fireEvent.click(question.getByRole("button", { name: "Townhouse" }));
    expect(onChoose).toHaveBeenCalledExactlyOnceWith("townhouse");
  });

  it("is not shown when a room shows the outside (the photos say it), nor before the rooms are known", () => {
    ask(report(["kitchen", "exterior"]));
    expect(screen.queryByTestId("house-type-question")).toBeNull();
    ask(null);
    expect(screen.queryByTestId("house-type-question")).toBeNull();
  });

  it("skipping saves nothing and leaves it not assessed, with a way back", () => {
    const onChoose = ask(report(["kitchen"]));
    fireEvent.click(screen.getByRole("button", { name: "Skip" }));
    expect(onChoose).not.toHaveBeenCalled();
    const skipped = screen.getByTestId("house-type-question");
    expect(skipped.textContent).toContain("stays “not assessed”");
    expect(within(skipped).queryByRole("button", { name: "Townhouse" })).toBeNull();
    fireEvent.click(within(skipped).getByRole("button", { name: "Answer now" }));
    expect(screen.getByRole("button", { name: "Townhouse" })).toBeTruthy();
    expect(onChoose).not.toHaveBeenCalled();
  });

  it("shows the person's answer as chosen, never the model's guess", () => {
    ask(report(["kitchen"], { value: "villa", source: "model", text: "Villa" }));
    expect(screen.getByRole("button", { name: "Villa" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("shows the person's answer (given when the scan was started) as answered, with a way to change it", () => {
    const onChoose = ask(report(["kitchen"], { value: "apartment", source: "person", text: "Apartment" }));
    const question = screen.getByTestId("house-type-question");
    expect(screen.getByTestId("house-type-answer").textContent).toBe("Apartment · your answer");
    expect(question.textContent).not.toContain("the photos cannot tell");
    expect(within(question).queryByRole("button", { name: "Townhouse" })).toBeNull();

    fireEvent.click(within(question).getByRole("button", { name: "Change the house type" }));
    expect(screen.getByRole("button", { name: "Apartment" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Keep Apartment" }));
    expect(screen.getByTestId("house-type-answer").textContent).toBe("Apartment · your answer");
    expect(onChoose).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Change the house type" }));
    fireEvent.click(screen.getByRole("button", { name: "Studio" }));
    expect(onChoose).toHaveBeenCalledExactlyOnceWith("studio");
  });

  it("shows one waiting for the connection as given", () => {
    const key = answerKey("s1", "house", "house_type");
    const entry = { key, scanId: "s1", scope: "house", itemId: "house_type", value: "studio", note: null, photoIds: [], savedAt: 1 };
    ask(report(["kitchen"], { value: "apartment", source: "person" }), { entry, state: "waiting" });
    expect(screen.getByTestId("house-type-answer").textContent).toBe("Studio · your answer");
    expect(screen.getByTestId("house-type-waiting").textContent).toContain("when the connection returns");
  });
});
