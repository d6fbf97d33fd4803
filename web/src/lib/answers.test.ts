import { describe, expect, it } from "vitest";
import { answerRows, conditionalText, costLines, humanize, productRows, qualityTone } from "./answers";
import type { ChecklistItem } from "./types";

const ITEMS: ChecklistItem[] = [
  { id: "overall_condition", title: "Overall condition", type: "categorical", description: "" },
  { id: "signs_of_damp", title: "Signs of damp or mould", type: "boolean", description: "Stains." },
  { id: "has_kitchen", title: "Has a kitchen", type: "conditional", description: "" },
];

describe("answers", () => {
  it("humanizes ids", () => {
    expect(humanize("detached_house")).toBe("Detached house");
    expect(humanize("living-room")).toBe("Living room");
  });

  it("shows N/A, null and unassessed items as not assessed, not as failures", () => {
    const rows = answerRows(
      {
        booleans: { signs_of_damp: null },
        categoricals: { overall_condition: "N/A" },
        conditionals: { has_kitchen: { exists: null, condition: "N/A", subitems: {} } },
      },
      ITEMS,
    );
    expect(rows.map((r) => [r.title, r.value, r.tone])).toEqual([
      ["Overall condition", "Not assessed", "unassessed"],
      ["Signs of damp or mould", "Not assessed", "unassessed"],
      ["Has a kitchen", "Not assessed", "unassessed"],
    ]);
  });

  it("renders answered items with tones and checklist order", () => {
    const rows = answerRows(
      {
        conditionals: { has_kitchen: { exists: true, condition: "Good", subitems: { oven_works: true } } },
        booleans: { signs_of_damp: false },
        categoricals: { overall_condition: "Poor", custom_thing: "Excellent" },
        confidence: { overall_condition: 0.82 },
      },
      ITEMS,
    );
    expect(rows.map((r) => r.id)).toEqual(["overall_condition", "signs_of_damp", "has_kitchen", "custom_thing"]);
    expect(rows[0]).toMatchObject({ value: "Poor", tone: "bad", confidence: 0.82 });
    expect(rows[1]).toMatchObject({ value: "No", tone: "neutral", description: "Stains." });
    expect(rows[2]).toMatchObject({ value: "Present · Good", tone: "good", details: ["Oven works: yes"] });
    expect(rows[3]).toMatchObject({ title: "Custom thing", tone: "good" });
  });

  it("lists items only named as unassessed", () => {
    const rows = answerRows({ unassessed: ["signs_of_damp"], booleans: {} }, ITEMS);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "boolean", value: "Not assessed" });
  });

  it("is empty without answers", () => {
    expect(answerRows(undefined)).toEqual([]);
    expect(productRows(null)).toEqual([]);
  });

  it("describes conditionals", () => {
    expect(conditionalText({ exists: false, condition: "N/A" })).toMatchObject({ value: "Not present" });
    expect(conditionalText({ exists: true, condition: "N/A" }).value).toMatch(/not assessed/);
    expect(qualityTone("Average")).toBe("fair");
  });

  it("orders products found first, with confidence", () => {
    const rows = productRows({
      conditionals: {
        sofa: { exists: false, condition: "N/A", confidence: 0.9 },
        oven: { exists: true, condition: "Good", confidence: 0.71 },
        bed: { exists: null, condition: "N/A" },
        tv: { exists: true, condition: "N/A", confidence: 0.95 },
      },
    });
    expect(rows.map((r) => [r.id, r.present])).toEqual([
      ["tv", true],
      ["oven", true],
      ["sofa", false],
      ["bed", null],
    ]);
    expect(rows[1].condition).toBe("Good");
    expect(rows[0].condition).toBeNull();
  });

  it("reports cost as local compute time or tokens and dollars", () => {
    const local = costLines({ provider: "local", total_tokens_in: 0, total_tokens_out: 0, total_cost_usd: 0, compute_seconds: 1.78 });
    expect(local).toEqual([
      { label: "Provider", value: "Local models (offline)" },
      { label: "Cost", value: "No token cost (ran on local models)" },
      { label: "Compute time", value: "1.8 s" },
    ]);
    const llm = costLines({ provider: "openai", total_tokens_in: 12000, total_tokens_out: 800, total_cost_usd: 0.0421, total_requests: 9 });
    expect(llm).toContainEqual({ label: "Tokens", value: "12,000 in · 800 out" });
    expect(llm).toContainEqual({ label: "Cost", value: "$0.04" });
    expect(llm).toContainEqual({ label: "Requests", value: "9" });
    expect(costLines(null)).toEqual([]);
  });
});
