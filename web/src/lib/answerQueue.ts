// Walk-through answers are saved at once and kept until the server has them, like the photos' outbox
// (uploadQueue.ts): an answer given while the phone is offline waits in IndexedDB and is sent when the
// connection returns ('online') or the next time the capture page opens. The last answer given to an item
// is the one that counts: it replaces an earlier one still waiting, and an answer in flight never removes a
// newer one from the store. Each answer names the person who gave it: another person signed in on the
// same phone never sends it (the server would refuse it as not theirs, and it would be lost), it waits for
// its own person. When the connection drops (the browser's 'offline': connectionLost), an answer still being
// sent stops waiting for its request, which may never end on a phone that lost its signal: it is kept on the
// phone like any other and sent again when the connection returns (a PUT: sent twice, stored once).
// A phone may also keep its signal and lose the server (a request that never ends, a server down a while):
// a request not answered in `sendTimeoutMs` is given up the same way, and while the browser says it is
// online, waiting answers are sent again after growing delays (`retryDelaysMs`) until the server takes them.
import { ApiError } from "./api";

/** One item's answer on its way to PUT /scans/{scan_id}/answers/{scope}/{item_id}. */
export interface QueuedAnswer<V = unknown> {
  key: string; // one per item of a scan: a later answer to the item replaces this one
  scanId: string;
  scope: string;
  itemId: string;
  value: V;
  note: string | null;
  photoIds: string[];
  savedAt: number; // when it was given (ms); strictly increasing within a queue
  userId?: string | null; // who gave it (no token: only their id); absent in answers kept before it was recorded
}

export type AnswerInput<V> = Omit<QueuedAnswer<V>, "key" | "savedAt" | "userId">;

/** Whether the person signed in now may send this answer. */
function isOf(entry: QueuedAnswer<unknown>, userId: string | null): boolean {
  return entry.userId == null || entry.userId === userId;
}

/** Where answers wait for the server (IndexedDB in the browser). */
export interface AnswerStore<V = unknown> {
  /** Keep this answer, replacing any other of the same key. */
  put(entry: QueuedAnswer<V>): Promise<void>;
  list(): Promise<QueuedAnswer<V>[]>;
  /** Forget the answer of this key, unless a newer one (another savedAt) replaced it meanwhile. */
  remove(key: string, savedAt: number): Promise<void>;
}

/** saving: being sent; waiting: kept until the connection (or the server) is back. */
export type AnswerState = "saving" | "waiting";

export interface PendingAnswer<V = unknown> {
  entry: QueuedAnswer<V>;
  state: AnswerState;
}

/** What became of a sent answer: the server's answer, or why it refused it (a refused answer is not retried). */
export type Settled<V, A> = { entry: QueuedAnswer<V>; answer: A; error?: undefined } | { entry: QueuedAnswer<V>; answer?: undefined; error: Error };

export interface AnswerListener<V, A> {
  onChange?: (pending: ReadonlyMap<string, PendingAnswer<V>>) => void;
  onSettled?: (settled: Settled<V, A>) => void;
}

export function answerKey(scanId: string, scope: string, itemId: string): string {
  return `${scanId}/${scope}/${itemId}`;
}

/** A failure worth retrying later: no connection, the session being renewed, a busy or failing server. */
export function waitsForRetry(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500;
}

export interface RetryPolicy {
  /** A request not answered within this long is given up: its answer waits, like one cut off by the signal. */
  sendTimeoutMs: number;
  /** Delays before waiting answers are sent again while online, one per failure in a row (the last repeats). */
  retryDelaysMs: readonly number[];
  isOnline: () => boolean;
}

export const DEFAULT_RETRY: RetryPolicy = {
  sendTimeoutMs: 30_000,
  retryDelaysMs: [5_000, 15_000, 60_000],
  isOnline: () => typeof navigator === "undefined" || navigator.onLine !== false,
};

export class AnswerQueue<V = unknown, A = unknown> {
  private pending = new Map<string, PendingAnswer<V>>();
  private sending = new Set<string>();
  // The request of each answer being sent, to give up on when the connection drops.
  private inFlight = new Map<string, AbortController>();
  private listeners = new Set<AnswerListener<V, A>>();
  private last = 0;
  private loaded: Promise<void> | null = null;
  private loadedFor: string | null = null;
  // Store operations run one after another, so a removal never overtakes the put of a newer answer.
  private storeOps: Promise<unknown> = Promise.resolve();
  private readonly retry: RetryPolicy;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failuresInARow = 0;

  constructor(
    private readonly store: AnswerStore<V> | null,
    /** Sends an answer; `signal` aborts when the queue gives up on the request (the connection dropped). */
    private readonly send: (entry: QueuedAnswer<V>, signal: AbortSignal) => Promise<A>,
    private readonly user: () => string | null = () => null,
    retry: Partial<RetryPolicy> = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  subscribe(listener: AnswerListener<V, A>): () => void {
    this.listeners.add(listener);
    listener.onChange?.(this.snapshot());
    return () => {
      this.listeners.delete(listener);
    };
  }

  snapshot(): ReadonlyMap<string, PendingAnswer<V>> {
    return new Map(this.pending);
  }

  /** Answers of a scan not on the server yet. */
  unsent(scanId: string): number {
    return [...this.pending.values()].filter((p) => p.entry.scanId === scanId).length;
  }

  /** Keep the answer (before anything else) and send it; resolves once it is sent, kept or refused. */
  async save(input: AnswerInput<V>): Promise<void> {
    const savedAt = Math.max(Date.now(), this.last + 1);
    this.last = savedAt;
    const key = answerKey(input.scanId, input.scope, input.itemId);
    const entry: QueuedAnswer<V> = { ...input, key, savedAt, userId: this.user() };
    this.pending.set(entry.key, { entry, state: "saving" });
    this.emit();
    await this.onStore((store) => store.put(entry));
    await this.sendKey(entry.key);
  }

  /** Send every answer waiting: this page's and those an earlier visit kept (a newer one given here wins). */
  async flush(): Promise<void> {
    await this.load();
    await Promise.all([...this.pending.keys()].map((key) => this.sendKey(key)));
  }

  /** The connection dropped: answers being sent are kept on the phone (waiting) at once, instead of waiting for
   * requests that may never end; they go again when the connection returns (flush). */
  connectionLost(): void {
    this.failuresInARow = 0; // the connection's return sends them (flush); the delays start again after it
    for (const request of this.inFlight.values()) request.abort();
  }

  private load(): Promise<void> {
    const who = this.user();
    if (this.loaded && this.loadedFor === who) return this.loaded;
    this.loadedFor = who;
    this.loaded = this.onStore(async (store) => {
      for (const entry of await store.list()) {
        if (!isOf(entry, who)) continue;
        const here = this.pending.get(entry.key);
        if (here && here.entry.savedAt >= entry.savedAt) continue;
        this.pending.set(entry.key, { entry, state: "waiting" });
        this.last = Math.max(this.last, entry.savedAt);
      }
      this.emit();
    });
    return this.loaded;
  }

  private async sendKey(key: string): Promise<void> {
    if (this.sending.has(key)) return; // the send under way sends the newest answer when it ends
    this.sending.add(key);
    try {
      for (;;) {
        const current = this.pending.get(key);
        if (!current) return;
        if (!isOf(current.entry, this.user())) {
          this.setState(key, "waiting");
          return;
        }
        this.setState(key, "saving");
        let answer: A;
        const request = new AbortController();
        this.inFlight.set(key, request);
        const timeout = setTimeout(() => request.abort(), this.retry.sendTimeoutMs);
        try {
          answer = await untilAborted(this.send(current.entry, request.signal), request.signal);
        } catch (caught) {
          if (this.pending.get(key)?.entry !== current.entry) continue; // a newer answer came meanwhile
          if (waitsForRetry(caught)) {
            this.setState(key, "waiting");
            this.retryLater();
            return;
          }
          this.forget(current.entry);
          const error = caught instanceof Error ? caught : new Error("The answer was not accepted.");
          this.notify({ entry: current.entry, error });
          return;
        } finally {
          clearTimeout(timeout);
        }
        this.failuresInARow = 0;
        if (this.pending.get(key)?.entry === current.entry) this.forget(current.entry);
        this.notify({ entry: current.entry, answer });
      }
    } finally {
      this.inFlight.delete(key);
      this.sending.delete(key);
    }
  }

  /** One timer for the whole queue: when it fires, every waiting answer goes (unless the browser is offline:
   * then its 'online' event sends them). */
  private retryLater(): void {
    if (this.retryTimer !== null) return;
    const delays = this.retry.retryDelaysMs;
    const delay = delays[Math.min(this.failuresInARow, delays.length - 1)];
    this.failuresInARow += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.retry.isOnline()) void this.flush();
    }, delay);
  }

  private forget(entry: QueuedAnswer<V>): void {
    this.pending.delete(entry.key);
    this.emit();
    void this.onStore((store) => store.remove(entry.key, entry.savedAt));
  }

  private setState(key: string, state: AnswerState): void {
    const current = this.pending.get(key);
    if (!current || current.state === state) return;
    this.pending.set(key, { ...current, state });
    this.emit();
  }

  private onStore(run: (store: AnswerStore<V>) => Promise<void>): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
    // No room in the store (or no IndexedDB in a private window): the answer still waits in this page.
    const next = this.storeOps.then(() => run(store)).catch(() => undefined);
    this.storeOps = next;
    return next;
  }

  private emit(): void {
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener.onChange?.(snapshot);
  }

  private notify(settled: Settled<V, A>): void {
    for (const listener of this.listeners) listener.onSettled?.(settled);
  }
}

/** The send's outcome, or a rejection as soon as `signal` aborts (a send may not stop on its signal: a request
 * waiting for a token refresh, say); what the abandoned send ends with is dropped. */
function untilAborted<A>(sending: Promise<A>, signal: AbortSignal): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const abort = () => reject(new ApiError(0, null));
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    sending.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

// ---- IndexedDB store (its own database: the photos' outbox is shared with the service worker) ----------

export const ANSWERS_DB = "housescan-answers";
export const ANSWERS_STORE = "answers";

function openAnswers(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(ANSWERS_DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(ANSWERS_STORE, { keyPath: "key" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function inAnswers<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return openAnswers().then(
    (db) =>
      new Promise<T | undefined>((resolve, reject) => {
        const transaction = db.transaction(ANSWERS_STORE, mode);
        const request = run(transaction.objectStore(ANSWERS_STORE));
        transaction.oncomplete = () => {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = () => {
          db.close();
          reject(transaction.error);
        };
      }),
  );
}

/** The browser's store of answers waiting for the server, or null where there is no IndexedDB. */
export function browserAnswerStore<V>(): AnswerStore<V> | null {
  if (typeof indexedDB === "undefined") return null;
  return {
    put: (entry) => inAnswers("readwrite", (store) => store.put(entry)).then(() => undefined),
    list: () => inAnswers("readonly", (store) => store.getAll() as IDBRequest<QueuedAnswer<V>[]>).then((all) => all ?? []),
    remove: (key, savedAt) =>
      inAnswers("readwrite", (store) => {
        const read = store.get(key);
        read.onsuccess = () => {
          if ((read.result as QueuedAnswer<V> | undefined)?.savedAt === savedAt) store.delete(key);
        };
      }).then(() => undefined),
  };
}
