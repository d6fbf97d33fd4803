// The pure part of "from report to decision": what a repair list being written adds up to, which homes are
// picked to compare, which scans are earlier scans of the same home, how rooms are re-paired.
import { formatDate } from "../../lib/format";
import type { Finding, ScanListItem } from "../../lib/types";
import type { Ask, RepairItemInput, RepairList, RoomChanges, RoomPair } from "./decisionApi";

export const ASKS: readonly Ask[] = ["repair", "credit", "replace"];
/** Short, for a select on a phone; the form says what each means. */
export const ASK_TITLE: Record<Ask, string> = {
  repair: "Repair",
  credit: "Credit",
  replace: "Replace",
};
/** What the reader of a shared list is asked, in words spoken to them. */
export const ASK_TO_READER: Record<Ask, string> = {
  repair: "Please repair this before completion",
  credit: "A credit off the price",
  replace: "Please replace this",
};

/** A finding on the list being written: its ask and, as typed, the amount. */
export interface DraftItem {
  finding_id: string;
  ask: Ask;
  amount: string;
}

/** What is wrong with a line of the list, in words naming it; null when it can be sent. */
export function itemProblem(item: DraftItem, title: string): string | null {
  const text = item.amount.trim();
  if (item.ask === "credit" && !text) return `${title}: a credit needs an amount.`;
  if (!text) return null;
  const amount = Number(text);
  if (!Number.isFinite(amount) || amount < 0) return `${title}: the amount is a number of 0 or more.`;
  return null;
}

/** Every problem of the list, in order; an empty list cannot be sent either. */
export function draftProblems(items: DraftItem[], titles: Map<string, string>): string[] {
  if (items.length === 0) return ["Pick at least one finding."];
  return items.map((item) => itemProblem(item, titles.get(item.finding_id) ?? "A finding")).filter((p): p is string => !!p);
}

/** The body the server takes; call only once `draftProblems` is empty. */
export function draftBody(items: DraftItem[]): RepairItemInput[] {
  return items.map((item) => (item.amount.trim() ? { finding_id: item.finding_id, ask: item.ask, amount: Number(item.amount) } : { finding_id: item.finding_id, ask: item.ask }));
}

/** The list's total as the server adds it up: the amounts asked, and the listed findings' cost ranges. */
export function draftTotal(items: DraftItem[], findings: Finding[]): { asked: number; costLow: number; costHigh: number; priced: number } {
  const byId = new Map(findings.map((f) => [f.id, f]));
  let asked = 0;
  let costLow = 0;
  let costHigh = 0;
  let priced = 0;
  for (const item of items) {
    const amount = Number(item.amount);
    if (item.amount.trim() && Number.isFinite(amount) && amount >= 0) asked += amount;
    const finding = byId.get(item.finding_id);
    if (finding && typeof finding.cost_low === "number" && typeof finding.cost_high === "number") {
      costLow += finding.cost_low;
      costHigh += finding.cost_high;
      priced += 1;
    }
  }
  return { asked, costLow, costHigh, priced };
}

/** A saved list as the form edits it again. */
export function draftOf(list: RepairList): DraftItem[] {
  return list.items.map((item) => ({ finding_id: item.finding_id, ask: item.ask, amount: item.amount === null ? "" : String(item.amount) }));
}

export const FACTOR_MIN = 0.2;
export const FACTOR_MAX = 5;

/** The regional cost factor typed in Settings, or what is wrong with it. */
export function parseFactor(text: string): { factor: number } | { problem: string } {
  const factor = Number(text.trim().replace(",", "."));
  if (!text.trim() || !Number.isFinite(factor)) return { problem: "The regional factor is a number, such as 1 or 1.2." };
  if (factor < FACTOR_MIN || factor > FACTOR_MAX) return { problem: `The regional factor must be between ${FACTOR_MIN} and ${FACTOR_MAX}.` };
  return { factor };
}

/** Homes compared at once. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;

/** The picked scans with `id` added or taken off; a fifth is not added. */
export function toggleCompare(picked: string[], id: string): string[] {
  if (picked.includes(id)) return picked.filter((p) => p !== id);
  return picked.length >= COMPARE_MAX ? picked : [...picked, id];
}

/** Each scan's name in the list, by scan id, for its compare checkbox and its Delete button: "12 Harbour View,
 * 7 Dec 2026"; with the time as well ("7 Dec 2026, 14:05 CET") when another of them has the same address and day,
 * so each name is its own. */
export function scanNames(scans: Pick<ScanListItem, "id" | "address" | "created_at">[]): Map<string, string> {
  const named = scans.map((scan) => ({
    scan,
    address: scan.address?.trim() || "Untitled home",
    day: formatDate(scan.created_at, { dateOnly: true }),
  }));
  const sameAddressAndDay = new Map<string, number>();
  const key = ({ address, day }: { address: string; day: string }) => `${address}\n${day}`;
  for (const entry of named) sameAddressAndDay.set(key(entry), (sameAddressAndDay.get(key(entry)) ?? 0) + 1);
  return new Map(
    named.map((entry) => {
      const when = (sameAddressAndDay.get(key(entry)) ?? 0) > 1 ? formatDate(entry.scan.created_at) : entry.day;
      return [entry.scan.id, `${entry.address}, ${when}`];
    }),
  );
}

/** `scan_ids` of the compare page's address: at most four distinct ids, in the order named. */
export function parseScanIds(value: string | null): string[] {
  const ids = (value ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  return [...new Set(ids)].slice(0, COMPARE_MAX);
}

/** Every item of a list paged by cursor, in the order of its pages. */
export async function allPages<T>(page: (cursor: string | null) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const body = await page(cursor);
    all.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  return all;
}

/** The other scans of the same house that finished before this one, newest first. */
export function earlierScans(scans: ScanListItem[], current: { id: string; house_id: string; created_at: string }): ScanListItem[] {
  const at = Date.parse(current.created_at);
  return scans
    .filter((s) => s.id !== current.id && s.house_id === current.house_id && s.status === "succeeded" && Date.parse(s.created_at) < at)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

/**
 * The pairs to store when the person pairs `roomId` with `earlierRoomId` (null: a new room). An earlier room is
 * paired once: a room the person had paired with it before is unpaired; one the server paired by itself is
 * left to the server to pair again.
 */
export function pairRooms(rooms: RoomChanges[], roomId: string, earlierRoomId: string | null): RoomPair[] {
  const displaced = rooms.filter(
    (room) => room.room_id !== roomId && earlierRoomId !== null && room.earlier_room_id === earlierRoomId && room.paired_by === "person",
  );
  return [{ room_id: roomId, earlier_room_id: earlierRoomId }, ...displaced.map((room) => ({ room_id: room.room_id, earlier_room_id: null }))];
}
