import type { ScanStatus } from "./types";

// One clock (issue 21): every moment the app shows is written by `formatDate`, in the viewer's time zone (the
// account's, else the browser's) with the zone named whenever a time of day is shown.
let accountTimeZone: string | null = null;

/** A zone name Intl knows, or null. */
export function knownTimeZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

/** The account's time zone, once the preferences are known; null goes back to the browser's. */
export function setViewerTimeZone(zone: string | null | undefined): void {
  accountTimeZone = knownTimeZone(zone);
}

export function viewerTimeZone(): string {
  return accountTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

/**
 * A moment as the viewer reads it: "6 Dec 2026, 14:05 CET" (the zone named, since a time alone is ambiguous),
 * or "6 Dec 2026" with `dateOnly`. Empty for a missing or unreadable moment.
 */
export function formatDate(
  iso: string | null | undefined,
  { timeZone = viewerTimeZone(), dateOnly = false }: { timeZone?: string; dateOnly?: boolean } = {},
): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const day = { day: "numeric", month: "short", year: "numeric" } as const;
  const options: Intl.DateTimeFormatOptions = dateOnly
    ? { ...day, timeZone }
    : { ...day, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short", timeZone };
  return new Intl.DateTimeFormat("en-GB", options).format(date);
}

/** "Scanned 6 Dec 2026, 14:05 CET · Updated 8 Dec 2026, 09:12 CET": the same words in report, shared page and history. */
export function scannedAndUpdated(
  scannedAt: string | null | undefined,
  updatedAt: string | null | undefined,
  options: { timeZone?: string } = {},
): string {
  const scanned = formatDate(scannedAt, options);
  const updated = formatDate(updatedAt, options);
  const parts = [scanned ? `Scanned ${scanned}` : "Not scanned yet"];
  if (updated && updated !== scanned) parts.push(`Updated ${updated}`);
  return parts.join(" · ");
}

/** An amount in the account's currency, without cents: "£1,200". */
export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${Math.round(amount).toLocaleString("en-GB")} ${currency}`;
  }
}

/** "£800–£1,200", or one amount when both ends are the same. */
export function formatCostRange(low: number, high: number, currency: string): string {
  return low === high ? formatMoney(low, currency) : `${formatMoney(low, currency)}–${formatMoney(high, currency)}`;
}

export const STATUS_LABEL: Record<ScanStatus, string> = {
  draft: "Draft – adding photos",
  queued: "Queued",
  running: "Analysing",
  succeeded: "Report ready",
  failed: "Failed",
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status as ScanStatus] ?? status;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function roomName(room: { label?: string | null; ordinal: number }): string {
  return room.label?.trim() || `Room ${room.ordinal + 1}`;
}

/** An id the server accepts for a checklist item (^[a-z0-9_.-]+$, at most 100 characters) made from a title. */
export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 100) || "item"
  );
}
