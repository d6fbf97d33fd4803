import { describe, expect, it } from "vitest";
import {
  agentLabel,
  agentSeries,
  analyticsPath,
  dailySeries,
  dayLabel,
  failureSeries,
  formatRate,
  formatSeconds,
  formatUsd,
  legendRank,
  outcomeSlices,
  unlistedFailures,
  type Outcomes,
} from "./adminAnalytics";

const outcomes = (over: Partial<Outcomes> = {}): Outcomes => ({
  total: 10,
  succeeded: 4,
  partial: 1,
  failed: 3,
  running: 1,
  queued: 1,
  draft: 1,
  ...over,
});

describe("figures", () => {
  it("shows the success rate as a percentage with one decimal, a dash before any scan ended", () => {
    expect(formatRate(4 / 7)).toBe("57.1%");
    expect(formatRate(0.5714)).toBe("57.1%");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(null)).toBe("—");
  });

  it("reads seconds as a person would", () => {
    expect(formatSeconds(0.45)).toBe("0.45 s");
    expect(formatSeconds(25)).toBe("25 s");
    expect(formatSeconds(38.5)).toBe("38.5 s");
    expect(formatSeconds(125)).toBe("2 min 5 s");
    expect(formatSeconds(120)).toBe("2 min");
    expect(formatSeconds(3780)).toBe("1 h 3 min");
    expect(formatSeconds(7200)).toBe("2 h");
    expect(formatSeconds(null)).toBe("—");
  });

  it("writes dollars to the cent, and small sums to the tenth of a cent", () => {
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(9.875)).toBe("$9.88");
    expect(formatUsd(0.875)).toBe("$0.875");
    expect(formatUsd(0.00012)).toBe("$0.0001");
  });

  it("names days and agents", () => {
    expect(dayLabel("2026-11-27")).toBe("27 Nov");
    expect(dayLabel("2027-01-01")).toBe("1 Jan");
    expect(agentLabel("room_type")).toBe("Room type");
    expect(agentLabel("pros-cons")).toBe("Pros cons");
    expect(analyticsPath(30)).toBe("/api/v1/admin/analytics?days=30");
  });

  it("orders legends as the outcomes go, unknown series last", () => {
    const names = ["Other", "Failed", "p95", "Succeeded", "Queued or running"];
    expect([...names].sort((a, b) => legendRank(a) - legendRank(b))).toEqual([
      "Succeeded",
      "Failed",
      "Queued or running",
      "Other",
      "p95",
    ]);
  });
});

describe("chart data", () => {
  it("splits the outcomes into slices, partial successes apart, empty ones left out", () => {
    expect(outcomeSlices(outcomes()).map(({ key, value }) => [key, value])).toEqual([
      ["succeeded", 3],
      ["partial", 1],
      ["failed", 3],
      ["in_progress", 2],
      ["draft", 1],
    ]);
    expect(outcomeSlices(outcomes({ partial: 0, running: 0, queued: 0, draft: 0 })).map((s) => s.key)).toEqual([
      "succeeded",
      "failed",
    ]);
    expect(outcomeSlices(outcomes({ total: 0, succeeded: 0, partial: 0, failed: 0, running: 0, queued: 0, draft: 0 }))).toEqual([]);
    expect(outcomeSlices(outcomes()).every((slice) => /^#[0-9a-f]{6}$/.test(slice.fill))).toBe(true);
  });

  it("merges scans and spend by day, oldest first, a day missing from one list counting zero", () => {
    const days = dailySeries(
      [
        { date: "2026-11-27", succeeded: 2, failed: 1, other: 3 },
        { date: "2026-11-26", succeeded: 1, failed: 0, other: 0 },
      ],
      [
        { date: "2026-11-25", cost_usd: 0.125, calls: 1, tokens_in: 500, tokens_out: 50 },
        { date: "2026-11-27", cost_usd: 0.75, calls: 2, tokens_in: 3000, tokens_out: 300 },
      ],
    );
    expect(days).toEqual([
      { date: "2026-11-25", label: "25 Nov", succeeded: 0, failed: 0, other: 0, cost_usd: 0.125, calls: 1 },
      { date: "2026-11-26", label: "26 Nov", succeeded: 1, failed: 0, other: 0, cost_usd: 0, calls: 0 },
      { date: "2026-11-27", label: "27 Nov", succeeded: 2, failed: 1, other: 3, cost_usd: 0.75, calls: 2 },
    ]);
  });

  it("orders agents by their p95, slowest first, leaving out agents never timed", () => {
    const agents = agentSeries([
      { agent_name: "house_type", runs: 2, failed: 0, p50: 1, p95: 1.45 },
      { agent_name: "room_type", runs: 5, failed: 1, p50: 3, p95: 4.8 },
      { agent_name: "products", runs: 0, failed: 0, p50: null, p95: null },
    ]);
    expect(agents).toEqual([
      { agent: "room_type", label: "Room type", p50: 3, p95: 4.8, runs: 5, failed: 1 },
      { agent: "house_type", label: "House type", p50: 1, p95: 1.45, runs: 2, failed: 0 },
    ]);
  });

  it("lists failure reasons most frequent first, with a short label for the axis", () => {
    const long = "the model service failed for room_checklist: " + "x".repeat(80);
    const failures = failureSeries(
      [
        { reason: "the agents service could not be reached (ConnectError)", count: 1, example: "e1", last_seen: "2026-11-27T05:00:00Z" },
        { reason: long, count: 4, example: "e2", last_seen: "2026-11-26T05:00:00Z" },
      ],
      20,
    );
    expect(failures.map((f) => [f.count, f.short])).toEqual([
      [4, "the model service f…"],
      [1, "the agents service …"],
    ]);
    expect(failures[0].reason).toBe(long);
    expect(failures[0].short).toHaveLength(20);
  });

  it("counts the failures whose reasons were not among the groups listed", () => {
    const listed = [{ reason: "a", count: 2, example: "a", last_seen: "2026-11-27T05:00:00Z" }];
    expect(unlistedFailures({ outcomes: outcomes({ failed: 5 }), failures_by_reason: listed })).toBe(3);
    expect(unlistedFailures({ outcomes: outcomes({ failed: 2 }), failures_by_reason: listed })).toBe(0);
  });
});
