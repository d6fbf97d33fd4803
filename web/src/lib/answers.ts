// Checklist answers as a person reads them. Not assessed is its own state, never shown as a failure.
import type { ChecklistAnswers, ChecklistItem, ConditionalAnswer, CostInfo } from "./types";

export type Tone = "good" | "fair" | "bad" | "neutral" | "unassessed";

export interface AnswerRow {
  id: string;
  title: string;
  kind: "boolean" | "categorical" | "conditional";
  value: string;
  tone: Tone;
  details: string[];
  confidence: number | null;
  description?: string;
}

export const NOT_ASSESSED = "Not assessed";

/** "living_room" → "Living room"; "detached_house" → "Detached house". */
export function humanize(id: string | null | undefined): string {
  if (!id) return "";
  const text = String(id).replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const QUALITY_TONE: Record<string, Tone> = {
  poor: "bad",
  average: "fair",
  good: "good",
  excellent: "good",
};

export function isUnassessedValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    return v === "" || v === "n/a" || v === "na" || v === "unknown" || v === "not assessed" || v === "unassessed";
  }
  return false;
}

export function qualityTone(value: unknown): Tone {
  if (isUnassessedValue(value)) return "unassessed";
  return QUALITY_TONE[String(value).toLowerCase()] ?? "neutral";
}

export function booleanText(value: boolean | null | undefined): { value: string; tone: Tone } {
  if (value === true) return { value: "Yes", tone: "neutral" };
  if (value === false) return { value: "No", tone: "neutral" };
  return { value: NOT_ASSESSED, tone: "unassessed" };
}

export function conditionalText(
  answer: ConditionalAnswer | null | undefined,
  titles: Map<string, string> = new Map(),
): { value: string; tone: Tone; details: string[] } {
  if (!answer || answer.exists === null || answer.exists === undefined) {
    return { value: NOT_ASSESSED, tone: "unassessed", details: [] };
  }
  if (answer.exists === false) return { value: "Not present", tone: "neutral", details: [] };
  const condition = answer.condition;
  const details = Object.entries(answer.subitems ?? {}).map(([id, v]) => {
    const label = titles.get(id) ?? humanize(id);
    return `${label}: ${v === true ? "yes" : v === false ? "no" : NOT_ASSESSED.toLowerCase()}`;
  });
  if (isUnassessedValue(condition)) return { value: "Present · condition not assessed", tone: "neutral", details };
  return { value: `Present · ${condition}`, tone: qualityTone(condition), details };
}

export function confidenceText(confidence: number | null | undefined): string {
  if (confidence === null || confidence === undefined || !Number.isFinite(confidence)) return "";
  const pct = confidence <= 1 ? confidence * 100 : confidence;
  return `${Math.round(pct)}%`;
}

/**
 * Every answered or listed item as a row, in checklist order when the checklist is known, then the rest.
 */
export function answerRows(answers: ChecklistAnswers | null | undefined, items: ChecklistItem[] = []): AnswerRow[] {
  if (!answers) return [];
  const byId = new Map(items.map((item) => [item.id, item]));
  const titles = new Map<string, string>();
  for (const item of items) {
    titles.set(item.id, item.title);
    for (const sub of item.subitems ?? []) titles.set(sub.id, sub.title);
  }
  const unassessed = new Set(answers.unassessed ?? []);
  const confidence = answers.confidence ?? {};
  const rows = new Map<string, AnswerRow>();
  const base = (id: string, kind: AnswerRow["kind"]) => ({
    id,
    kind,
    title: byId.get(id)?.title ?? humanize(id),
    description: byId.get(id)?.description || undefined,
    confidence: typeof confidence[id] === "number" ? confidence[id] : null,
  });

  for (const [id, value] of Object.entries(answers.booleans ?? {})) {
    const text = unassessed.has(id) ? { value: NOT_ASSESSED, tone: "unassessed" as Tone } : booleanText(value);
    rows.set(id, { ...base(id, "boolean"), ...text, details: [] });
  }
  for (const [id, value] of Object.entries(answers.categoricals ?? {})) {
    const na = unassessed.has(id) || isUnassessedValue(value);
    rows.set(id, {
      ...base(id, "categorical"),
      value: na ? NOT_ASSESSED : String(value),
      tone: na ? "unassessed" : qualityTone(value),
      details: [],
    });
  }
  for (const [id, value] of Object.entries(answers.conditionals ?? {})) {
    const text = unassessed.has(id)
      ? { value: NOT_ASSESSED, tone: "unassessed" as Tone, details: [] }
      : conditionalText(value, titles);
    const row = { ...base(id, "conditional"), ...text };
    if (row.confidence === null && typeof value?.confidence === "number") row.confidence = value.confidence;
    rows.set(id, row);
  }
  for (const id of unassessed) {
    if (!rows.has(id)) {
      const kind = byId.get(id)?.type ?? "categorical";
      rows.set(id, { ...base(id, kind), value: NOT_ASSESSED, tone: "unassessed", details: [] });
    }
  }
  const order = new Map(items.map((item, index) => [item.id, index]));
  return [...rows.values()].sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9));
}

export interface ProductRow {
  id: string;
  title: string;
  present: boolean | null;
  condition: string | null;
  confidence: number | null;
}

/** Products (conditionals keyed by product id): those found first, with their confidence. */
export function productRows(products: ChecklistAnswers | null | undefined, items: ChecklistItem[] = []): ProductRow[] {
  if (!products) return [];
  const titles = new Map(items.map((item) => [item.id, item.title]));
  const unassessed = new Set(products.unassessed ?? []);
  const rows: ProductRow[] = [];
  for (const [id, answer] of Object.entries(products.conditionals ?? {})) {
    const present = unassessed.has(id) ? null : answer?.exists ?? null;
    rows.push({
      id,
      title: titles.get(id) ?? humanize(id),
      present,
      condition: present && !isUnassessedValue(answer?.condition) ? String(answer?.condition) : null,
      confidence:
        typeof answer?.confidence === "number"
          ? answer.confidence
          : typeof products.confidence?.[id] === "number"
            ? products.confidence[id]
            : null,
    });
  }
  for (const [id, value] of Object.entries(products.booleans ?? {})) {
    if (rows.some((r) => r.id === id)) continue;
    rows.push({
      id,
      title: titles.get(id) ?? humanize(id),
      present: unassessed.has(id) ? null : value ?? null,
      condition: null,
      confidence: typeof products.confidence?.[id] === "number" ? products.confidence[id] : null,
    });
  }
  const rank = (r: ProductRow) => (r.present === true ? 0 : r.present === null ? 2 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || (b.confidence ?? 0) - (a.confidence ?? 0));
}

export interface CostLine {
  label: string;
  value: string;
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0.00";
  if (value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `${m} min ${s} s`;
}

/** The cost of a scan: tokens and USD for an LLM provider, compute time for the local one. */
export function costLines(cost: Partial<CostInfo> | null | undefined): CostLine[] {
  if (!cost) return [];
  const lines: CostLine[] = [];
  const tokensIn = cost.total_tokens_in ?? 0;
  const tokensOut = cost.total_tokens_out ?? 0;
  const usd = cost.total_cost_usd ?? 0;
  const local = (cost.provider ?? "").toLowerCase() === "local" || (tokensIn === 0 && tokensOut === 0 && usd === 0);
  if (cost.provider) lines.push({ label: "Provider", value: local && cost.provider === "local" ? "Local models (offline)" : cost.provider });
  if (!local || tokensIn + tokensOut > 0) {
    lines.push({ label: "Tokens", value: `${tokensIn.toLocaleString("en-US")} in · ${tokensOut.toLocaleString("en-US")} out` });
    lines.push({ label: "Cost", value: formatUsd(usd) });
  } else {
    lines.push({ label: "Cost", value: "No token cost (ran on local models)" });
  }
  if (typeof cost.total_requests === "number" && cost.total_requests > 0) {
    lines.push({ label: "Requests", value: String(cost.total_requests) });
  }
  if (typeof cost.compute_seconds === "number" && cost.compute_seconds > 0) {
    lines.push({ label: "Compute time", value: formatSeconds(cost.compute_seconds) });
  }
  return lines;
}
