import type { ScanStatus } from "./types";

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
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
