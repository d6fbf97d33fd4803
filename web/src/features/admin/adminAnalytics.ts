// The operators' analytics (GET /api/v1/admin/analytics) shaped for the admin page's figures and charts.
// The shapes are the server's, generated from its OpenAPI schema (make api-types).
import type { components } from "../../lib/api-schema";

type Schemas = components["schemas"];
export type Analytics = Schemas["AdminAnalytics"];
export type Outcomes = Schemas["OutcomeCounts"];
export type AgentProcessing = Schemas["AgentProcessing"];
export type FailureReason = Schemas["FailureReason"];
export type DayScans = Schemas["DayScans"];
export type DaySpend = Schemas["DaySpend"];

/** The periods the page offers, in days. */
export const PERIODS = [7, 30, 90] as const;
export const DEFAULT_PERIOD = 30;

export const analyticsPath = (days: number) => `/api/v1/admin/analytics?days=${encodeURIComponent(String(days))}`;

export const COLORS = {
  succeeded: "#1c7c46",
  partial: "#8fc9a6",
  failed: "#b42318",
  inProgress: "#2f6fd0",
  draft: "#a0aab5",
  p50: "#0f5f5c",
  p95: "#e0a526",
  spend: "#0f5f5c",
} as const;

/** Legends list their series in this order (the chart library would sort them alphabetically). */
const LEGEND_ORDER = ["Succeeded", "Some rooms not analysed", "Failed", "Queued or running", "Draft (not sent)", "Other"];

export function legendRank(name: unknown): number {
  const rank = LEGEND_ORDER.indexOf(String(name));
  return rank === -1 ? LEGEND_ORDER.length : rank;
}

/** A share 0-1 as a percentage with one decimal ("57.1%"); a dash when there is none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return "—";
  const pct = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** Seconds as a person reads them: "0.45 s", "38.5 s", "2 min 5 s", "1 h 3 min"; a dash when unknown. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 100) / 100} s`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) {
    const rest = whole % 60;
    return rest ? `${Math.floor(whole / 60)} min ${rest} s` : `${whole / 60} min`;
  }
  const minutes = Math.round(whole / 60);
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${minutes / 60} h`;
}

/** Dollars: cents from a dollar up, tenths of a cent below ("$0.875" stays exact to the mill). */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toFixed(4)).toString()}`;
}

/** "2026-11-27" → "27 Nov" (a UTC day, as the server counts them). */
export function dayLabel(isoDate: string): string {
  const [year, month, day] = isoDate.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

/** "room_type" → "Room type". */
export function agentLabel(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

export interface Slice {
  key: string;
  name: string;
  value: number;
  /** Recharts draws each slice with its entry's own fill. */
  fill: string;
}

/** The scans of the period by outcome, for a pie: partial successes apart from clean ones, empty ones left out. */
export function outcomeSlices(outcomes: Outcomes): Slice[] {
  const slices: Slice[] = [
    { key: "succeeded", name: "Succeeded", value: outcomes.succeeded - outcomes.partial, fill: COLORS.succeeded },
    { key: "partial", name: "Some rooms not analysed", value: outcomes.partial, fill: COLORS.partial },
    { key: "failed", name: "Failed", value: outcomes.failed, fill: COLORS.failed },
    {
      key: "in_progress",
      name: "Queued or running",
      value: outcomes.queued + outcomes.running,
      fill: COLORS.inProgress,
    },
    { key: "draft", name: "Draft (not sent)", value: outcomes.draft, fill: COLORS.draft },
  ];
  return slices.filter((slice) => slice.value > 0);
}

export interface DayPoint {
  date: string;
  label: string;
  succeeded: number;
  failed: number;
  other: number;
  cost_usd: number;
  calls: number;
}

/** Scans and spend of each day of the period, oldest first, merged by date (a day missing from one list counts zero). */
export function dailySeries(scans: DayScans[], spend: DaySpend[]): DayPoint[] {
  const byDate = new Map<string, DayPoint>();
  const point = (date: string): DayPoint => {
    let found = byDate.get(date);
    if (!found) {
      found = { date, label: dayLabel(date), succeeded: 0, failed: 0, other: 0, cost_usd: 0, calls: 0 };
      byDate.set(date, found);
    }
    return found;
  };
  for (const day of scans) Object.assign(point(day.date), { succeeded: day.succeeded, failed: day.failed, other: day.other });
  for (const day of spend) Object.assign(point(day.date), { cost_usd: day.cost_usd, calls: day.calls });
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export interface AgentPoint {
  agent: string;
  label: string;
  p50: number;
  p95: number;
  runs: number;
  failed: number;
}

/** Per-agent processing times for a bar chart, the slowest (by p95) first; agents never timed are left out. */
export function agentSeries(agents: AgentProcessing[]): AgentPoint[] {
  return agents
    .filter((agent) => agent.runs > 0 && agent.p50 !== null && agent.p95 !== null)
    .map((agent) => ({
      agent: agent.agent_name,
      label: agentLabel(agent.agent_name),
      p50: agent.p50 ?? 0,
      p95: agent.p95 ?? 0,
      runs: agent.runs,
      failed: agent.failed,
    }))
    .sort((a, b) => b.p95 - a.p95 || a.agent.localeCompare(b.agent));
}

export interface FailurePoint {
  reason: string;
  short: string;
  count: number;
  example: string;
  last_seen: string;
}

/** Failure reasons for a bar chart: the most frequent first, each with a short label for the axis. */
export function failureSeries(failures: FailureReason[], maxLabel = 48): FailurePoint[] {
  return [...failures]
    .sort((a, b) => b.count - a.count)
    .map((failure) => ({
      reason: failure.reason,
      short: failure.reason.length > maxLabel ? `${failure.reason.slice(0, maxLabel - 1)}…` : failure.reason,
      count: failure.count,
      example: failure.example,
      last_seen: failure.last_seen,
    }));
}

/** Scans that failed but whose reasons are not among the groups listed (the server lists at most 20 groups). */
export function unlistedFailures(analytics: Pick<Analytics, "outcomes" | "failures_by_reason">): number {
  const listed = analytics.failures_by_reason.reduce((sum, failure) => sum + failure.count, 0);
  return Math.max(0, analytics.outcomes.failed - listed);
}
