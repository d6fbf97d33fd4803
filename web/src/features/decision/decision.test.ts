import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../lib/api";
import { setViewerTimeZone } from "../../lib/format";
import type { Finding, ScanListItem } from "../../lib/types";
import { takenCost } from "./CostGuidePicker";
import {
  allPages,
  COMPARE_MAX,
  scanNames,
  draftBody,
  draftProblems,
  draftTotal,
  earlierScans,
  pairRooms,
  parseFactor,
  parseScanIds,
  toggleCompare,
  type DraftItem,
} from "./decision";
import { decisionApi, type CostGuideRow, type RoomChanges } from "./decisionApi";

const finding = (id: string, low?: number, high?: number): Finding =>
  ({ id, title: `Finding ${id}`, severity: "major", cost_low: low ?? null, cost_high: high ?? null }) as Finding;

describe("a repair list being written", () => {
  const titles = new Map([
    ["a", "Damp"],
    ["b", "Wiring"],
  ]);

  it("names each line that cannot be sent: a credit without an amount, a negative or unreadable amount", () => {
    const items: DraftItem[] = [
      { finding_id: "a", ask: "credit", amount: "" },
      { finding_id: "b", ask: "repair", amount: "-5" },
    ];
    expect(draftProblems(items, titles)).toEqual(["Damp: a credit needs an amount.", "Wiring: the amount is a number of 0 or more."]);
    expect(draftProblems([], titles)).toEqual(["Pick at least one finding."]);
    expect(draftProblems([{ finding_id: "a", ask: "replace", amount: "" }], titles)).toEqual([]);
  });

  it("adds up the amounts asked and the listed findings' cost ranges, as the server does", () => {
    const items: DraftItem[] = [
      { finding_id: "a", ask: "credit", amount: "1200" },
      { finding_id: "b", ask: "repair", amount: "" },
      { finding_id: "c", ask: "replace", amount: "300.5" },
    ];
    const findings = [finding("a", 800, 1500), finding("b", 200, 400), finding("c")];
    expect(draftTotal(items, findings)).toEqual({ asked: 1500.5, costLow: 1000, costHigh: 1900, priced: 2 });
  });

  it("sends an amount only where one was typed", () => {
    expect(
      draftBody([
        { finding_id: "a", ask: "credit", amount: "250" },
        { finding_id: "b", ask: "repair", amount: " " },
      ]),
    ).toEqual([
      { finding_id: "a", ask: "credit", amount: 250 },
      { finding_id: "b", ask: "repair" },
    ]);
  });
});

describe("homes picked to compare", () => {
  it("adds in order, takes off, and never holds a fifth", () => {
    let picked: string[] = [];
    for (const id of ["a", "b", "c", "d", "e"]) picked = toggleCompare(picked, id);
    expect(picked).toEqual(["a", "b", "c", "d"]);
    expect(picked).toHaveLength(COMPARE_MAX);
    expect(toggleCompare(picked, "b")).toEqual(["a", "c", "d"]);
  });

  it("reads scan_ids: distinct, trimmed, at most four", () => {
    expect(parseScanIds(" a, b,a,,c,d,e")).toEqual(["a", "b", "c", "d"]);
    expect(parseScanIds(null)).toEqual([]);
  });

  describe("named in the list", () => {
    afterEach(() => setViewerTimeZone(null));
    const harbour = "12 Harbour View, Flat 3";

    it("by address and day; with the time when two of one home were made the same day (in the account's zone)", () => {
      setViewerTimeZone("Europe/Berlin");
      const labels = scanNames([
        { id: "morning", address: harbour, created_at: "2026-12-07T09:30:00Z" },
        { id: "afternoon", address: ` ${harbour} `, created_at: "2026-12-07T13:05:00Z" },
        { id: "yesterday", address: harbour, created_at: "2026-12-06T10:00:00Z" },
        { id: "elsewhere", address: "3 Elm Lane", created_at: "2026-12-07T09:30:00Z" },
        // 23:30 UTC on the 6th is already the 7th in Berlin: a third scan of that day there.
        { id: "late", address: harbour, created_at: "2026-12-06T23:30:00Z" },
      ]);
      expect(Object.fromEntries(labels)).toEqual({
        morning: `${harbour}, 7 Dec 2026, 10:30 CET`,
        afternoon: `${harbour}, 7 Dec 2026, 14:05 CET`,
        yesterday: `${harbour}, 6 Dec 2026`,
        elsewhere: "3 Elm Lane, 7 Dec 2026",
        late: `${harbour}, 7 Dec 2026, 00:30 CET`,
      });
    });

    it("an untitled home by its date", () => {
      expect(scanNames([{ id: "a", address: null, created_at: "2026-12-07T12:00:00Z" }]).get("a")).toBe(
        "Untitled home, 7 Dec 2026",
      );
    });
  });
});

describe("one home over time", () => {
  afterEach(() => vi.restoreAllMocks());

  const scan = (id: string, house: string, created: string, status: ScanListItem["status"] = "succeeded") =>
    ({ id, house_id: house, created_at: created, status }) as ScanListItem;

  it("finds the finished scans of the same house made before this one, newest first", () => {
    const all = [
      scan("now", "h1", "2026-12-05T10:00:00Z"),
      scan("old", "h1", "2025-01-01T10:00:00Z"),
      scan("mid", "h1", "2026-06-01T10:00:00Z"),
      scan("later", "h1", "2026-12-06T10:00:00Z"),
      scan("draft", "h1", "2026-02-01T10:00:00Z", "draft"),
      scan("other", "h2", "2026-03-01T10:00:00Z"),
    ];
    expect(earlierScans(all, { id: "now", house_id: "h1", created_at: "2026-12-05T10:00:00Z" }).map((s) => s.id)).toEqual(["mid", "old"]);
  });

  it("reads every page of the list, each with the cursor the one before gave", async () => {
    const pages: Record<string, { items: string[]; next_cursor: string | null }> = {
      first: { items: ["a", "b"], next_cursor: "c1" },
      c1: { items: ["c"], next_cursor: "c2" },
      c2: { items: [], next_cursor: null },
    };
    const page = vi.fn(async (cursor: string | null) => pages[cursor ?? "first"]);
    expect(await allPages(page)).toEqual(["a", "b", "c"]);
    expect(page.mock.calls.map(([cursor]) => cursor)).toEqual([null, "c1", "c2"]);
  });

  it("asks the server for this house's scans only, not every scan of the account", async () => {
    const get = vi.spyOn(api, "get").mockResolvedValue({ items: [], next_cursor: null });
    await decisionApi.scansOfHouse("h 1", null);
    await decisionApi.scansOfHouse("h1", "next");
    const [first, second] = get.mock.calls.map(([url]) => new URL(String(url), "http://x"));
    expect(first.pathname).toBe("/api/v1/scans");
    expect(Object.fromEntries(first.searchParams)).toEqual({ house_id: "h 1", limit: "100" });
    expect(Object.fromEntries(second.searchParams)).toEqual({ house_id: "h1", limit: "100", cursor: "next" });
  });

  it("re-pairs a room: the room the person had paired with that earlier room is unpaired, the server's own pairs are left to it", () => {
    const room = (id: string, earlier: string | null, by: string) => ({ room_id: id, earlier_room_id: earlier, paired_by: by }) as RoomChanges;
    const rooms = [room("r1", "e1", "label"), room("r2", "e2", "person"), room("r3", "e3", "type")];
    expect(pairRooms(rooms, "r1", "e2")).toEqual([
      { room_id: "r1", earlier_room_id: "e2" },
      { room_id: "r2", earlier_room_id: null },
    ]);
    expect(pairRooms(rooms, "r3", "e1")).toEqual([{ room_id: "r3", earlier_room_id: "e1" }]);
    expect(pairRooms(rooms, "r1", null)).toEqual([{ room_id: "r1", earlier_room_id: null }]);
  });
});

describe("costs", () => {
  it("a taken guide row fills whole amounts and names the row as the source", () => {
    const row = { id: "electrician.consumer_unit", low: 412.4, high: 899.6 } as CostGuideRow;
    expect(takenCost(row)).toEqual({ id: "electrician.consumer_unit", low: 412, high: 900 });
  });

  it("reads the regional factor or says what is wrong", () => {
    expect(parseFactor("1,2")).toEqual({ factor: 1.2 });
    expect(parseFactor("")).toEqual({ problem: "The regional factor is a number, such as 1 or 1.2." });
    expect(parseFactor("7")).toEqual({ problem: "The regional factor must be between 0.2 and 5." });
  });
});
