import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../lib/api";
import {
  answerValue,
  candidatesText,
  confidenceSentence,
  label,
  photoStrength,
  reviewApi,
  suggestsFinding,
  whoAnswered,
  type Answer,
} from "./reviewApi";

const answer = (over: Partial<Answer>): Answer => ({ source: "model", text: "", ...over });

describe("answerValue", () => {
  it("keeps yes/no and labels as they are", () => {
    expect(answerValue(true)).toBe(true);
    expect(answerValue(false)).toBe(false);
    expect(answerValue("Poor")).toBe("Poor");
    expect(answerValue("living_room")).toBe("living_room");
  });

  it("reads present-with-condition, an unknown condition as none", () => {
    expect(answerValue({ exists: true, condition: "Good" })).toEqual({ exists: true, condition: "Good" });
    expect(answerValue({ exists: false })).toEqual({ exists: false, condition: null });
    expect(answerValue({ exists: true, condition: "Splendid" })).toEqual({ exists: true, condition: null });
  });

  it("reads an absent value, or one no kind of item uses, as not assessed", () => {
    expect(answerValue(null)).toBeNull();
    expect(answerValue(undefined)).toBeNull();
    expect(answerValue(3)).toBeNull();
    expect(answerValue({ condition: "Poor" })).toBeNull();
    expect(answerValue(["Poor"])).toBeNull();
  });
});

describe("the review's reading of an answer", () => {
  it("says who answered; a model answer without a value is nobody's", () => {
    expect(whoAnswered(answer({ source: "person", value: false }))).toBe("You");
    expect(whoAnswered(answer({ value: true, confidence: 0.82 }))).toBe("Model · 82%");
    expect(whoAnswered(answer({}))).toBe("");
  });

  it("says what a figure was measured on, and colours by the photo's own score", () => {
    const seen = answer({
      value: true,
      kind: "product",
      confidence: 0.855,
      confidence_basis: "out_of_fold_precision",
      measured_on: 115,
      photo_score: 0.66,
    });
    expect(whoAnswered(seen)).toBe("Model · right 9 times in 10");
    expect(confidenceSentence(seen)).toBe("This kind of sighting is right 9 times in 10 on our test photos (115 photos).");
    expect(photoStrength(seen)).toBe("strong");
    expect(photoStrength({ ...seen, photo_score: 0.3 })).toBe("weak");
    const room = answer({
      value: "kitchen",
      kind: "room_type",
      confidence: 0.62,
      confidence_basis: "model_score",
      measured_precision: 0.935,
      measured_on: 163,
    });
    expect(whoAnswered(room)).toBe("Model · 62%");
    expect(confidenceSentence(room)).toBe(
      "The model's own score for these photos is 62%; this kind of answer is right 9 times in 10 on our test photos (163 photos).",
    );
    expect(confidenceSentence(answer({ value: true, confidence: 1, confidence_basis: "out_of_fold_precision" }))).toContain(
      "right 9 times in 10",
    );
    expect(confidenceSentence(answer({ source: "person", value: true }))).toBeNull();
    expect(photoStrength(answer({ value: true }))).toBeNull();
  });

  it("offers a finding for the person's Poor, in a conditional too", () => {
    expect(suggestsFinding("walls", answer({ source: "person", value: "Poor", kind: "categorical" }))).toBe(true);
    expect(suggestsFinding("kitchen", answer({ source: "person", value: { exists: true, condition: "Poor" } }))).toBe(true);
    expect(suggestsFinding("signs_of_damp", answer({ source: "person", value: true, kind: "boolean" }))).toBe(true);
    expect(suggestsFinding("walls", answer({ value: "Poor", kind: "categorical" }))).toBe(false);
  });

  it("lists the candidates, none when the server sent none", () => {
    const two = answer({ candidates: [{ value: "living_room", confidence: 0.41 }, { value: "office" }] });
    expect(candidatesText(two)).toBe("Living room 41% · Office");
    expect(candidatesText(answer({}))).toBe("");
  });
});

describe("reviewApi", () => {
  afterEach(() => vi.restoreAllMocks());

  it("calls the schema's routes with their parameters encoded", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(undefined);
    await reviewApi.putAnswer("s1", "r/1", "products.oven", { value: true, note: null, photo_ids: [] });
    await reviewApi.revertAnswer("s1", "house", "house_type");
    await reviewApi.patchFinding("s1", "f1", { severity: "safety" });
    await reviewApi.reanalyse("s1");
    expect(request.mock.calls).toEqual([
      ["PUT", "/api/v1/scans/s1/answers/r%2F1/products.oven", { body: { value: true, note: null, photo_ids: [] } }],
      ["DELETE", "/api/v1/scans/s1/answers/house/house_type"],
      ["PATCH", "/api/v1/scans/s1/findings/f1", { body: { severity: "safety" } }],
      ["POST", "/api/v1/scans/s1/reanalyse", { body: {} }],
    ]);
  });

  it("hands an answer's request the signal that cancels it (the walk-through gives up on it when offline)", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(undefined);
    const cancel = new AbortController();
    await reviewApi.putAnswer("s1", "house", "roof_condition", { value: "Good" }, cancel.signal);
    expect((request.mock.calls[0][2] as { signal?: AbortSignal }).signal).toBe(cancel.signal);
  });
});

describe("label", () => {
  it("says a room type as the server's answers do: the exterior is an 'Exterior view' in the picker too", () => {
    expect(label("exterior")).toBe("Exterior view");
    expect(label("living_room")).toBe("Living room");
    expect(candidatesText(answer({ candidates: [{ value: "exterior", confidence: 0.8 }] }))).toBe("Exterior view 80%");
  });
});
