// The photo upload queue: one file per request (so each file has its own progress bar and its own
// rejection reason), a small number of uploads at a time, retry for network failures. An upload that makes
// no progress for `stallMs` (a phone that keeps its signal but loses the server) is stopped and shown
// failed, with Retry, instead of showing the same progress for ever.
//
// Never loses a photo: files are checked in the browser before they are staged (photoCheck.ts); a queue
// outlives the page that filled it (queueFor: leaving the capture page sends what was staged instead of
// dropping it); an upload that fails because the phone is offline waits for the connection ("offline"),
// and is kept in IndexedDB (the outbox) so that it is sent when the connection returns.
//
// The outbox holds no token (page scripts can read IndexedDB; the access token lives in memory only): the
// app sends it, with its own token (refreshed through the HttpOnly cookie), when it opens, when the connection
// returns, and when the service worker's Background Sync wakes it ("send-outbox"). With no tab of the app
// open the photos wait on the phone until one opens.
import { api, ApiError, jwtSubject, type UploadHandle } from "./api";
import { photoProblem } from "./photoCheck";
import type { ImageRead, UploadResult } from "./types";

/** staged: chosen, not sent yet (can be removed); queued: waiting for a free upload slot; offline: waiting
 * for the connection to come back (kept in the outbox meanwhile). */
export type UploadStatus =
  | "staged"
  | "queued"
  | "uploading"
  | "done"
  | "duplicate"
  | "rejected"
  | "failed"
  | "offline";

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

/** What a queued-while-offline upload needs to be sent later by the app. No token: see above. */
export interface OutboxEntry {
  id?: number;
  scanId: string;
  roomOrdinal: number;
  name: string;
  blob: Blob;
  /** Whose photo it is (the user's id, no secret): another person signed in on this phone does not send it. */
  user?: string | null;
  savedAt: number;
}

export interface Outbox {
  put(entry: OutboxEntry): Promise<number>;
  list(): Promise<OutboxEntry[]>;
  remove(id: number): Promise<void>;
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
  outboxId?: number;
}

let counter = 0;

export interface OfflineOptions {
  scanId: string;
  outbox: Outbox | null;
  /** The signed-in user's id, kept with each photo (never a token). */
  user?: () => string | null;
  isOnline?: () => boolean;
  requestSync?: () => void;
}

export class UploadQueue {
  private entries: Entry[] = [];
  private active = 0;
  private offline: OfflineOptions | null = null;

  constructor(
    private readonly uploadFn: UploadFn,
    private onChange: (items: UploadItem[]) => void,
    private readonly concurrency = 2,
    private onUploaded?: (item: UploadItem) => void,
    private readonly stallMs = STALL_MS,
  ) {}

  get items(): UploadItem[] {
    return this.entries.map((entry) => entry.item);
  }

  /** Who hears about changes (the page showing the queue; a no-op while no page shows it). */
  listen(onChange: (items: UploadItem[]) => void, onUploaded?: (item: UploadItem) => void): void {
    this.onChange = onChange;
    this.onUploaded = onUploaded;
    this.emit();
  }

  /** Keep uploads that fail for want of a connection, and send them when it returns. */
  keepOffline(options: OfflineOptions): void {
    this.offline = options;
  }

  /** Check files in the browser first (type by content, size): a file the server would refuse is shown
   * refused with the reason at once and never sent; the others are staged. */
  async addChecked(
    files: (File | Blob)[],
    roomOrdinal: number,
    check: (file: Blob) => Promise<string | null> = photoProblem,
  ): Promise<UploadItem[]> {
    const problems = await Promise.all(files.map((file) => check(file)));
    const good = files.filter((_, i) => problems[i] === null);
    const added = this.add(good, roomOrdinal);
    files.forEach((file, i) => {
      const problem = problems[i];
      if (problem === null) return;
      const name = (file as File).name || "photo.jpg";
      const item: UploadItem = {
        key: `u${Date.now().toString(36)}-${(counter++).toString(36)}`,
        name,
        size: file.size,
        roomOrdinal,
        status: "rejected",
        loaded: 0,
        total: file.size,
        messages: [problem],
      };
      this.entries.push({ item, file });
      added.push(item);
    });
    this.emit();
    return added;
  }

  /** The connection is back: send what waited for it. */
  resumeOffline(): void {
    let any = false;
    for (const entry of this.entries) {
      if (entry.item.status === "offline") {
        entry.item = { ...entry.item, status: "queued", loaded: 0, messages: [] };
        any = true;
      }
    }
    if (!any) return;
    this.emit();
    this.pump();
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

  /** Drop a photo: removed, dismissed or cancelled, it is not sent later from the outbox either. */
  remove(key: string): void {
    const entry = this.entries.find((e) => e.item.key === key);
    if (!entry) return;
    if (entry.item.status === "uploading") entry.handle?.abort();
    this.forgetSaved(entry);
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

  /** Photos not on the server yet that the person has not given up on (staged, sending, or waiting). */
  unsent(): number {
    return this.entries.filter((e) => ["staged", "queued", "uploading", "offline"].includes(e.item.status)).length;
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

  private waitsForConnection(error: unknown): boolean {
    if (!this.offline) return false;
    const online = this.offline.isOnline ? this.offline.isOnline() : navigator.onLine;
    return !online && error instanceof ApiError && error.status === 0 && error.message !== "Upload cancelled.";
  }

  private async save(entry: Entry): Promise<void> {
    const options = this.offline;
    if (!options?.outbox || entry.outboxId !== undefined) return;
    try {
      const id = await options.outbox.put({
        scanId: options.scanId,
        roomOrdinal: entry.item.roomOrdinal,
        name: entry.item.name,
        blob: entry.file,
        user: options.user?.() ?? null,
        savedAt: Date.now(),
      });
      entry.outboxId = id;
      liveOutboxIds.add(id);
      // Dismissed, or sent by a Retry, while it was being written: not to be sent again later.
      if (!this.entries.includes(entry) || !["offline", "failed"].includes(entry.item.status)) {
        this.forgetSaved(entry);
        return;
      }
      options.requestSync?.();
    } catch {
      /* no room in the outbox: the photo still waits here, in this page */
    }
  }

  /** A photo the server could not take now (down, full, busy, the upload stalled) stays in the outbox while
   * it shows Retry, so closing the tab does not lose it: the next opening sends it. */
  private async keepFailed(entry: Entry): Promise<void> {
    await this.save(entry);
    if (entry.outboxId === undefined || entry.item.status !== "failed" || entry.item.messages.includes(KEPT_TEXT)) return;
    this.update(entry, { messages: [...entry.item.messages, KEPT_TEXT] });
  }

  private forgetSaved(entry: Entry): void {
    const id = entry.outboxId;
    if (id === undefined || !this.offline?.outbox) return;
    entry.outboxId = undefined;
    void this.offline.outbox
      .remove(id)
      .catch(() => undefined)
      .finally(() => liveOutboxIds.delete(id));
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
    const handle = watchedUpload(
      (onProgress) => this.uploadFn(entry.file, entry.item.name, entry.item.roomOrdinal, onProgress),
      (loaded, total) => {
        if (this.entries.includes(entry)) this.update(entry, { loaded, total });
      },
      this.stallMs,
    );
    entry.handle = handle;
    handle.promise
      .then((result) => {
        if (!this.entries.includes(entry)) return;
        this.update(entry, { ...outcome(entry.item.name, result), loaded: entry.item.total });
        this.forgetSaved(entry);
        if (entry.item.status === "done") this.onUploaded?.(entry.item);
      })
      .catch((error: unknown) => {
        if (!this.entries.includes(entry)) return; // removed while uploading
        // Stopped by the watchdog, the upload ends "cancelled"; it was cut off as if by the network.
        if (this.waitsForConnection(handle.stalled() ? new ApiError(0, null) : error)) {
          this.update(entry, { status: "offline", loaded: 0, messages: [WAITING_TEXT] });
          void this.save(entry);
          return;
        }
        const failed = handle.stalled()
          ? { status: "failed" as const, messages: [STALLED_TEXT] }
          : failure(entry.item.name, error);
        this.update(entry, { ...failed, loaded: 0 });
        if (failed.status === "rejected") this.forgetSaved(entry);
        else void this.keepFailed(entry);
      })
      .finally(() => {
        this.active -= 1;
        this.pump();
      });
  }
}

/** How long an upload may go without a byte sent or an answer (a photo of a few MB at 100 kB/s still moves). */
export const STALL_MS = 60_000;
/** Said beside an upload the watchdog stopped. */
export const STALLED_TEXT = "No answer from the server for a minute, so the upload was stopped. Try again (Retry) when the connection is better.";

/** An upload stopped (aborted: it ends "Upload cancelled.") once it goes `stallMs` with no byte sent and no
 * answer; `stalled()` says whether that is how it ended. */
export function watchedUpload(
  start: (onProgress: (loaded: number, total: number) => void) => UploadHandle,
  onProgress: (loaded: number, total: number) => void,
  stallMs: number = STALL_MS,
): UploadHandle & { stalled: () => boolean } {
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const rearm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      handle.abort();
    }, stallMs);
  };
  const handle = start((loaded, total) => {
    rearm();
    onProgress(loaded, total);
  });
  rearm();
  const promise = handle.promise.finally(() => clearTimeout(watchdog));
  return { promise, abort: () => handle.abort(), stalled: () => stalled };
}

/** Said beside a failed photo the outbox keeps. */
export const KEPT_TEXT = "Kept on this phone: if you leave it, it is sent the next time you open HouseScan.";

/** Said beside a photo kept for the connection: the app sends it, so it has to be open then. */
export const WAITING_TEXT = "Kept on this phone; it is sent when the connection returns while HouseScan is open (or the next time you open it).";

/** One queue per scan for the life of the app: the capture page leaving does not drop its photos. */
const queues = new Map<string, UploadQueue>();

export function queueFor(scanId: string, create: () => UploadQueue): UploadQueue {
  let queue = queues.get(scanId);
  if (!queue) {
    queue = create();
    queues.set(scanId, queue);
  }
  return queue;
}

export function forgetQueue(scanId: string): void {
  queues.get(scanId)?.dispose();
  queues.delete(scanId);
}

/** Send what was kept while offline (by this page or an earlier one), as `user` (the signed-in user's id;
 * another person's photos stay for them). An entry leaves the outbox once the server has judged it (stored,
 * duplicate or refused); a network failure keeps it for later. Returns how many were sent. */
export async function flushOutbox(
  outbox: Outbox,
  upload: (entry: OutboxEntry) => Promise<UploadResult>,
  user: string | null = null,
): Promise<number> {
  let sent = 0;
  for (const entry of await outbox.list()) {
    if (entry.id !== undefined && liveOutboxIds.has(entry.id)) continue; // its queue in this page sends it
    if (entry.user && user && entry.user !== user) continue;
    try {
      await upload(entry);
      sent += 1;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0 || error.status === 401 || error.status >= 500) continue;
    }
    if (entry.id !== undefined) await outbox.remove(entry.id);
  }
  return sent;
}

/** Outbox entries whose upload a queue of this page holds (and sends itself when the connection returns). */
const liveOutboxIds = new Set<number>();
let flushing: Promise<number> | null = null;

/** Send the browser's outbox with the app's in-memory token (one flush at a time in a tab, one tab at a time
 * where the browser has Web Locks); tells the pages when some went. Nothing to do when signed out. */
export function sendOutbox(): Promise<number> {
  const outbox = browserOutbox();
  if (!outbox || !api.isSignedIn()) return Promise.resolve(0);
  const flush = () =>
    flushOutbox(
      outbox,
      // A stalled upload ends as a network failure: the photo stays in the outbox and the lock is let go.
      (entry) =>
        watchedUpload(
          (onProgress) => api.upload(entry.scanId, [{ file: entry.blob, name: entry.name, roomOrdinal: entry.roomOrdinal }], onProgress),
          () => undefined,
        ).promise,
      api.userId() || null,
    );
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  flushing ??= (locks ? locks.request(OUTBOX_LOCK, flush).then((sent) => sent) : flush())
    .catch(() => 0)
    .then((sent) => {
      flushing = null;
      if (sent > 0) window.dispatchEvent(new CustomEvent(UPLOADS_SENT_EVENT, { detail: sent }));
      return sent;
    });
  return flushing;
}

/** Fired on window when photos kept while offline reached the server. */
export const UPLOADS_SENT_EVENT = "housescan:uploads-sent";

/** The Web Lock around a flush: two tabs do not send the same photo. */
export const OUTBOX_LOCK = "housescan-outbox";

/** The message the service worker posts to the app's tabs when Background Sync fires (sw-template.js). */
export const SEND_OUTBOX_MESSAGE = "send-outbox";

/** Send the outbox whenever the app can: now (a tab opening), once signed in (a token arrives: at opening it
 * is refreshed through the cookie), when the connection returns, and when the service worker asks (its
 * Background Sync cannot send: it has no token). Returns the undo. */
export function watchOutbox(): () => void {
  if (typeof window === "undefined") return () => undefined;
  const send = () => void sendOutbox();
  const onMessage = (event: MessageEvent) => {
    if ((event.data as { type?: string } | null)?.type === SEND_OUTBOX_MESSAGE) send();
  };
  let hadToken = api.getTokens() !== null;
  const offTokens = api.onTokensChange((tokens) => {
    if (tokens !== null && !hadToken) send();
    hadToken = tokens !== null;
  });
  window.addEventListener("online", send);
  navigator.serviceWorker?.addEventListener("message", onMessage);
  send();
  return () => {
    offTokens();
    window.removeEventListener("online", send);
    navigator.serviceWorker?.removeEventListener("message", onMessage);
  };
}

// ---- IndexedDB outbox (the app's only: the service worker does not read it) ---------------------------

export const OUTBOX_DB = "housescan-outbox";
export const OUTBOX_STORE = "uploads";
export const OUTBOX_SYNC_TAG = "housescan-uploads";

/** Version 2 took the token out of the entries version 1 kept (with the user it named in its place). */
export function withoutToken(entry: OutboxEntry & { token?: unknown }): OutboxEntry {
  const { token, ...rest } = entry;
  if (token === undefined) return entry;
  return { ...rest, user: rest.user ?? jwtSubject(typeof token === "string" ? token : null) };
}

function openOutbox(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(OUTBOX_DB, 2);
    request.onupgradeneeded = (event) => {
      if (event.oldVersion < 1) {
        request.result.createObjectStore(OUTBOX_STORE, { keyPath: "id", autoIncrement: true });
        return;
      }
      const cursor = request.transaction!.objectStore(OUTBOX_STORE).openCursor();
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return;
        const entry = at.value as OutboxEntry & { token?: unknown };
        if (entry.token !== undefined) at.update(withoutToken(entry));
        at.continue();
      };
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function inStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return openOutbox().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const transaction = db.transaction(OUTBOX_STORE, mode);
        const request = run(transaction.objectStore(OUTBOX_STORE));
        transaction.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        transaction.onerror = () => {
          db.close();
          reject(transaction.error);
        };
      }),
  );
}

/** The browser's outbox, or null where there is no IndexedDB. */
export function browserOutbox(): Outbox | null {
  if (typeof indexedDB === "undefined") return null;
  return {
    put: (entry) => inStore("readwrite", (store) => store.add(entry)).then((key) => Number(key)),
    list: () => inStore("readonly", (store) => store.getAll() as IDBRequest<OutboxEntry[]>),
    remove: (id) => inStore("readwrite", (store) => store.delete(id)).then(() => undefined),
  };
}

/** Ask the service worker to wake the app when the connection returns (Chromium's Background Sync). */
export function requestBackgroundSync(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  void navigator.serviceWorker.ready
    .then((registration) => {
      const sync = (registration as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }).sync;
      return sync?.register(OUTBOX_SYNC_TAG);
    })
    .catch(() => undefined); // no Background Sync: the app sends the outbox when it opens or comes online
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
