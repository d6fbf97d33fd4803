import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import AnswerItem from "./AnswerItem";
import { reviewApi, type Answer } from "./reviewApi";

function item(over: Partial<Answer>) {
  const answer: Answer = { value: "Good", source: "person", photo_ids: [], text: "Good", candidates: [], title: "Walls condition", kind: "categorical", note: "Repainted", ...over };
  const onSaved = vi.fn();
  render(<AnswerItem scanId="s1" scope="r1" itemId="walls_condition" answer={answer} photos={[]} onSaved={onSaved} onError={() => undefined} />);
  return onSaved;
}

describe("taking back a person's answer", () => {
  afterEach(() => vi.restoreAllMocks());

  it("offers the model's answer only where the model gave one, and asks before the note goes", async () => {
    const revert = vi.spyOn(reviewApi, "revertAnswer").mockResolvedValue(undefined as never);
    const onSaved = item({ model_value: "Average" });
    expect(screen.getByText("The model said: Average")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Use the model’s answer" }));
    expect(revert).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(revert).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Use the model’s answer" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove my answer, note and photos" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(revert).toHaveBeenCalledWith("s1", "r1", "walls_condition");
  });

  it("with no model answer beneath (condition: the models cannot judge it) it is a clear, not a switch to the model", () => {
    item({ model_value: null });
    expect(screen.queryByRole("button", { name: "Use the model’s answer" })).toBeNull();
    expect(screen.queryByText(/The model said/)).toBeNull();
    expect(screen.getByRole("button", { name: "Clear my answer" })).toBeTruthy();
  });
});

describe("who an answer is from", () => {
  it("says a product not seen was looked for by the model", () => {
    item({ value: null, source: "model", model: "local:vision", kind: "product", title: "Fridge", text: "Not seen", note: null });
    expect(screen.getByTestId("answer-value").textContent).toBe("Not seen");
    expect(screen.getByTestId("answer-source").textContent).toBe("Looked for by the model");
  });

  it("names nobody for a condition item nobody assessed", () => {
    item({ value: null, source: "model", model: null, text: "Not assessed", note: null });
    expect(screen.queryByTestId("answer-source")).toBeNull();
  });
});

describe("what the model said, beneath a person's answer", () => {
  const said = () => screen.getByText(/^The model said:/).textContent;

  it("uses the product's own choices: Present, never yes", () => {
    item({ kind: "product", title: "Toilet", value: false, text: "Not present", model: "local:vision", model_value: true });
    expect(said()).toBe("The model said: Present");
  });

  it("says Not seen, never no or absent, for a product the model looked for and did not see", () => {
    item({ kind: "product", title: "Toilet", value: true, text: "Present", model: "local:vision", model_value: false });
    expect(said()).toBe("The model said: Not seen");
    expect(screen.getByRole("button", { name: "Use the model’s answer" })).toBeTruthy();
  });

  it("uses the house item's choices: Present, with its condition as the answer reads", () => {
    item({ kind: "conditional", title: "Garden", value: { exists: false, condition: null }, text: "Not present", model_value: { exists: true, condition: "Poor" } });
    expect(said()).toBe("The model said: Present, condition poor");
  });

  it("uses Yes and No for a yes/no item", () => {
    item({ kind: "boolean", title: "Signs of damp", value: false, text: "No", model_value: true });
    expect(said()).toBe("The model said: Yes");
  });
});

describe("answering while an answer is being saved", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps the choices focusable but sends nothing more until it is saved", () => {
    const put = vi.spyOn(reviewApi, "putAnswer").mockReturnValue(new Promise(() => undefined) as never);
    item({ value: "Average", source: "model", text: "Average", note: null });
    const good = screen.getByRole("button", { name: "Good" });
    fireEvent.click(good);
    expect(good.getAttribute("aria-disabled")).toBe("true");
    expect((good as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Poor" }));
    expect(put).toHaveBeenCalledTimes(1);
  });
});

describe("saving a note or photos on an answer", () => {
  afterEach(() => vi.restoreAllMocks());

  it("says politely that the note was saved, and stops saying it once the note changes", async () => {
    const put = vi.spyOn(reviewApi, "putAnswer").mockResolvedValue(undefined as never);
    const onSaved = item({ note: null });
    const status = screen.getByTestId("note-saved");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toBe("");
    fireEvent.change(screen.getByRole("textbox", { name: "Note for Walls condition" }), { target: { value: "Crack by the door" } });
    fireEvent.click(screen.getByRole("button", { name: "Save note and photos" }));
    await waitFor(() => expect(status.textContent).toBe("Note saved."));
    expect(put).toHaveBeenCalledWith("s1", "r1", "walls_condition", { value: "Good", note: "Crack by the door", photo_ids: [] });
    expect(onSaved).toHaveBeenCalled();
    fireEvent.change(screen.getByRole("textbox", { name: "Note for Walls condition" }), { target: { value: "Crack by the door, 2 mm" } });
    expect(status.textContent).toBe("");
  });

  it("says nothing was saved when the server refuses the note", async () => {
    vi.spyOn(reviewApi, "putAnswer").mockRejectedValue(new Error("The note is too long."));
    item({ note: null });
    fireEvent.click(screen.getByRole("button", { name: "Save note and photos" }));
    await waitFor(() => expect((screen.getByRole("button", { name: "Save note and photos" }) as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId("note-saved").textContent).toBe("");
  });

  it("under the model's answer asks for the person's own first: a note never makes the model's answer theirs", () => {
    const put = vi.spyOn(reviewApi, "putAnswer").mockResolvedValue(undefined as never);
    item({ kind: "product", title: "Fridge", value: true, text: "Present", source: "model", model: "local:vision", note: null });
    expect(screen.queryByRole("button", { name: "Save note and photos" })).toBeNull();
    expect(screen.getByText(/The answer above is the model’s: choose yours above first/)).toBeTruthy();
    expect(put).not.toHaveBeenCalled();
  });
});
