// The photo upload queue: one file per request (so each file has its own progress bar and its own
// rejection reason), a small number of uploads at a time, retry for network failures.
import { ApiError, type UploadHandle } from "./api";
import type { ImageRead, UploadResult } from "./types";

/** staged: chosen, not sent yet (can be removed); queued: waiting for a free upload slot. */
export type UploadStatus = "staged" | "queued" | "uploading" | "done" | "duplicate" | "rejected" | "failed";

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  roomOrdinal: number;
  status: UploadStatus;
  loaded: number;
  total: number;
  messages: string[];
  image?: ImageRead;
  preview?: string; // object URL of the local file, for the thumbnail
}

export type UploadFn = (
  file: File | Blob,
  name: string,
  roomOrdinal: number,
  onProgress: (loaded: number, total: number) => void,
) => UploadHandle;

export function percent(item: Pick<UploadItem, "loaded" | "total" | "status">): number {
  if (item.status === "done" || item.status === "duplicate") return 100;
  if (!item.total) return 0;
  return Math.max(0, Math.min(100, Math.round((item.loaded / item.total) * 100)));
}

/** Strip a leading "name: " from a reason that already sits next to that file. */
export function reasonsFor(name: string, lines: string[]): string[] {
  return lines.map((line) => (line.startsWith(`${name}: `) ? line.slice(name.length + 2) : line));
}

/** What a finished request means for one file. */
export function outcome(name: string, result: UploadResult): Pick<UploadItem, "status" | "messages" | "image"> {
  const image = result.images?.[0];
  if (image) return { status: "done", messages: [], image };
  const duplicate = result.duplicates?.[0];
  if (duplicate) {
    return {
      status: "duplicate",
      messages: [
        duplicate.existing_image_id
          ? "This photo was already uploaded to this scan, so it was skipped."
          : "This photo appears twice in the selection, so it was uploaded once.",
      ],
    };
  }
  return { status: "failed", messages: [`The server did not store ${name}.`] };
}

export function failure(name: string, error: unknown): Pick<UploadItem, "status" | "messages"> {
  if (error instanceof ApiError) {
    // 4xx other than auth/rate-limit: the server judged the file; show its reason, no retry.
    const rejected = error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status);
    const perFile = perFileReasons(error.detail);
    return { status: rejected ? "rejected" : "failed", messages: perFile ?? reasonsFor(name, error.lines) };
  }
  return { status: "failed", messages: [error instanceof Error ? error.message : "Upload failed."] };
}

/** The reasons of a per-file rejection ({message, errors: [{file, reason}]}), without the summary line. */
export function perFileReasons(detail: unknown): string[] | null {
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) return null;
  const errors = (detail as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const reasons = errors
    .map((e) => (e && typeof e === "object" ? (e as { reason?: unknown }).reason : e))
    .filter((r): r is string => typeof r === "string" && r.length > 0);
  return reasons.length > 0 ? reasons : null;
}

interface Entry {
  item: UploadItem;
  file: File | Blob;
  handle?: UploadHandle;
}

let counter = 0;

export class UploadQueue {
  private entries: Entry[] = [];
  private active = 0;

  constructor(
    private readonly uploadFn: UploadFn,
    private readonly onChange: (items: UploadItem[]) => void,
    private readonly concurrency = 2,
    private readonly onUploaded?: (item: UploadItem) => void,
  ) {}

  get items(): UploadItem[] {
    return this.entries.map((entry) => entry.item);
  }

  /** Stage files for a room; they are sent by start(). */
  add(files: (File | Blob)[], roomOrdinal: number): UploadItem[] {
    const added = files.map((file) => {
      const name = (file as File).name || "photo.jpg";
      const item: UploadItem = {
        key: `u${Date.now().toString(36)}-${(counter++).toString(36)}`,
        name,
        size: file.size,
        roomOrdinal,
        status: "staged",
        loaded: 0,
        total: file.size,
        messages: [],
        preview: makePreview(file),
      };
      this.entries.push({ item, file });
      return item;
    });
    this.emit();
    return added;
  }

  /** Send every staged file (of one room, or all). */
  start(roomOrdinal?: number): void {
    for (const entry of this.entries) {
      if (entry.item.status === "staged" && (roomOrdinal === undefined || entry.item.roomOrdinal === roomOrdinal)) {
        entry.item = { ...entry.item, status: "queued" };
      }
    }
    this.emit();
    this.pump();
  }

  remove(key: string): void {
    const entry = this.entries.find((e) => e.item.key === key);
    if (!entry) return;
    if (entry.item.status === "uploading") entry.handle?.abort();
    this.entries = this.entries.filter((e) => e !== entry);
    revokePreview(entry.item.preview);
    this.emit();
  }

  retry(key: string): void {
    const entry = this.entries.find((e) => e.item.key === key);
    if (!entry || entry.item.status !== "failed") return;
    this.update(entry, { status: "queued", loaded: 0, messages: [] });
    this.pump();
  }

  /** Forget finished items (their photos are shown from the server from now on). */
  clearFinished(): void {
    for (const e of this.entries) if (e.item.status === "done") revokePreview(e.item.preview);
    this.entries = this.entries.filter((e) => e.item.status !== "done");
    this.emit();
  }

  busy(): boolean {
    return this.entries.some((e) => e.item.status === "queued" || e.item.status === "uploading");
  }

  staged(roomOrdinal?: number): number {
    return this.entries.filter(
      (e) => e.item.status === "staged" && (roomOrdinal === undefined || e.item.roomOrdinal === roomOrdinal),
    ).length;
  }

  dispose(): void {
    for (const e of this.entries) {
      if (e.item.status === "uploading") e.handle?.abort();
      revokePreview(e.item.preview);
    }
    this.entries = [];
  }

  /** Resolves when nothing is queued or uploading. */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.busy() ? setTimeout(check, 50) : resolve());
      check();
    });
  }

  private update(entry: Entry, patch: Partial<UploadItem>): void {
    entry.item = { ...entry.item, ...patch };
    this.emit();
  }

  private emit(): void {
    this.onChange(this.items);
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const next = this.entries.find((e) => e.item.status === "queued");
      if (!next) return;
      this.begin(next);
    }
  }

  private begin(entry: Entry): void {
    this.active += 1;
    this.update(entry, { status: "uploading", loaded: 0 });
    const handle = this.uploadFn(entry.file, entry.item.name, entry.item.roomOrdinal, (loaded, total) => {
      if (this.entries.includes(entry)) this.update(entry, { loaded, total });
    });
    entry.handle = handle;
    handle.promise
      .then((result) => {
        if (!this.entries.includes(entry)) return;
        this.update(entry, { ...outcome(entry.item.name, result), loaded: entry.item.total });
        if (entry.item.status === "done") this.onUploaded?.(entry.item);
      })
      .catch((error: unknown) => {
        if (!this.entries.includes(entry)) return; // removed while uploading
        this.update(entry, failure(entry.item.name, error));
      })
      .finally(() => {
        this.active -= 1;
        this.pump();
      });
  }
}

function makePreview(file: Blob): string | undefined {
  try {
    return typeof URL.createObjectURL === "function" ? URL.createObjectURL(file) : undefined;
  } catch {
    return undefined;
  }
}

function revokePreview(url: string | undefined): void {
  try {
    if (url && typeof URL.revokeObjectURL === "function") URL.revokeObjectURL(url);
  } catch {
    /* ignore */
  }
}
