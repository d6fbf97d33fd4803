// The one REST client of the web app: one fetch wrapper, one token path (bearer tokens kept in localStorage,
// refreshed before they expire and once on a 401), one error type (ApiError).
//
// The server rotates refresh tokens: each refresh answers a new pair and the old refresh token is dead, and
// presenting a used one signs the person out of every tab. So every tab of the app shares the one stored
// pair: a refresh takes a lock shared by the tabs (Web Locks, "housescan-refresh"; one in-tab flight where
// the browser has none), re-reads the stored pair first and uses it when another tab already refreshed, and
// stores both new tokens in one write; `storage` events carry each tab's new pair and sign-out to the others. Every shape it sends or reads
// is generated from the server's OpenAPI schema (see types.ts).
import type {
  ApiPath,
  BodyOf,
  ChecklistItemInput,
  CustomItem,
  MergedChecklists,
  MethodOf,
  PathParams,
  ResponseOf,
  Scope,
  TokenPair,
  UploadResult,
} from "./types";

export const API = "/api/v1";
const TOKENS_KEY = "housescan.tokens";
/** The Web Lock every tab takes around a refresh, so only one of them spends the refresh token. */
export const REFRESH_LOCK = "housescan-refresh";
/** Refresh when the access token has less than this many seconds left. */
export const REFRESH_MARGIN_SECONDS = 60;

/** Turn any FastAPI `detail` (string, list of validation errors or per-file reasons, object) into lines. */
export function formatDetail(detail: unknown): string[] {
  if (detail === null || detail === undefined || detail === "") return [];
  if (typeof detail === "string") return [detail];
  if (typeof detail === "number" || typeof detail === "boolean") return [String(detail)];
  if (Array.isArray(detail)) return detail.flatMap((entry) => formatEntry(entry));
  if (typeof detail === "object") {
    const obj = detail as Record<string, unknown>;
    const lines: string[] = [];
    const head = obj.message ?? obj.msg ?? obj.error ?? obj.reason;
    if (typeof head === "string") lines.push(head);
    for (const key of ["files", "errors", "rejected", "invalid", "details", "detail"]) {
      if (key in obj) lines.push(...formatDetail(obj[key]));
    }
    if (lines.length > 0) return lines;
    return formatEntry(obj);
  }
  return [String(detail)];
}

function formatEntry(entry: unknown): string[] {
  if (typeof entry === "string") return [entry];
  if (!entry || typeof entry !== "object") return entry === undefined ? [] : [String(entry)];
  const obj = entry as Record<string, unknown>;
  const name = obj.file ?? obj.filename ?? obj.name;
  const reason = obj.reason ?? obj.msg ?? obj.message ?? obj.error ?? obj.detail;
  if (typeof name === "string" && reason !== undefined) {
    return [`${name}: ${formatDetail(reason).join("; ")}`];
  }
  if (Array.isArray(obj.loc) && typeof obj.msg === "string") {
    const where = obj.loc.filter((part) => part !== "body").join(" → ");
    return [where ? `${where}: ${obj.msg}` : obj.msg];
  }
  if (reason !== undefined) return formatDetail(reason);
  // A mapping of name → reason.
  return Object.entries(obj).map(([key, value]) => `${key}: ${formatDetail(value).join("; ")}`);
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  readonly lines: string[];

  constructor(status: number, detail: unknown, fallback?: string) {
    const lines = formatDetail(detail);
    const text = lines.length > 0 ? lines.join("\n") : fallback ?? defaultMessage(status);
    super(text);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.lines = lines.length > 0 ? lines : [text];
  }
}

function defaultMessage(status: number): string {
  if (status === 0) return "Cannot reach the server. Check your connection and try again.";
  if (status === 401) return "Your session has ended. Please log in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "Not found.";
  if (status === 413) return "The upload is too large.";
  if (status >= 500) return "The server had a problem. Please try again.";
  return `Request failed (${status}).`;
}

function jwtPayload(token: string | null | undefined): Record<string, unknown> | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length < 2) return null;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const json = JSON.parse(atob(padded)) as unknown;
    return json && typeof json === "object" ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function jwtExpiry(token: string | null | undefined): number | null {
  const exp = jwtPayload(token)?.exp;
  return typeof exp === "number" ? exp : null;
}

/** How long before expiry to refresh: a minute, or a quarter of a short token's lifetime. */
export function refreshMargin(token: string | null | undefined): number {
  const payload = jwtPayload(token);
  const exp = payload?.exp;
  const iat = payload?.iat;
  if (typeof exp === "number" && typeof iat === "number" && exp > iat) {
    return Math.min(REFRESH_MARGIN_SECONDS, (exp - iat) / 4);
  }
  return REFRESH_MARGIN_SECONDS;
}

/** The `sub` claim (user id) of a JWT, or null. */
export function jwtSubject(token: string | null | undefined): string | null {
  const sub = jwtPayload(token)?.sub;
  return typeof sub === "string" ? sub : null;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of the Web Locks API the client uses: run `callback` holding the exclusive lock `name`. */
export interface RefreshLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** Where `storage` events arrive (the window); each is about a change another tab made. */
export interface StorageEvents {
  addEventListener(type: "storage", listener: (event: Event) => void): void;
  removeEventListener(type: "storage", listener: (event: Event) => void): void;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  storage?: KeyValueStore;
  now?: () => number; // milliseconds
  xhr?: () => XMLHttpRequest;
  /** Cross-tab lock around refreshes; navigator.locks by default, null for the in-tab flight only. */
  locks?: RefreshLocks | null;
  /** `storage` events of other tabs; the window by default when the tokens live in localStorage. */
  events?: StorageEvents | null;
}

export interface RequestOptions {
  body?: unknown;
  auth?: boolean;
  signal?: AbortSignal;
  accept?: string;
}

export interface UploadHandle {
  promise: Promise<UploadResult>;
  abort: () => void;
}

/** Told of every change of the tokens: made by this tab ("local") or read from another tab's ("storage"). */
type Listener = (tokens: Tokens | null, origin: "local" | "storage") => void;

type Json<P extends ApiPath, M extends MethodOf<P>> = ResponseOf<P, M>;

/**
 * A path of the API schema with its `{params}` filled in: a route the server no longer has, or a missing
 * parameter, fails to compile.
 */
export function route<P extends ApiPath>(template: P, ...params: PathParams<P> extends never ? [] : [Record<PathParams<P>, string>]): string {
  const values = (params[0] ?? {}) as Record<string, string>;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]));
}

export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  private readonly storage: KeyValueStore | null;
  private readonly now: () => number;
  private readonly makeXhr: () => XMLHttpRequest;
  private readonly locks: RefreshLocks | null;
  private readonly events: StorageEvents | null;
  /** False once storage failed to read or write: this tab then keeps its tokens in memory only. */
  private storageUsable: boolean;
  private tokens: Tokens | null;
  private refreshing: Promise<Tokens | null> | null = null;
  private listeners = new Set<Listener>();
  private readonly onStorage = (event: Event): void => {
    const key = (event as StorageEvent).key;
    // `key` is null when another tab cleared the whole storage.
    if (key === TOKENS_KEY || key === null || key === undefined) this.syncFromStorage();
  };

  constructor(options: ApiClientOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const local = safeLocalStorage();
    this.storage = options.storage ?? local;
    this.storageUsable = this.storage !== null;
    this.now = options.now ?? (() => Date.now());
    this.makeXhr = options.xhr ?? (() => new XMLHttpRequest());
    this.locks = options.locks === undefined ? browserLocks() : options.locks;
    const win = typeof globalThis.window === "undefined" ? null : globalThis.window;
    this.events = options.events === undefined ? (local !== null && this.storage === local ? win : null) : options.events;
    this.events?.addEventListener("storage", this.onStorage);
    this.tokens = this.load() ?? null;
  }

  /** Stop following other tabs (tests; the app's one client lives as long as the page). */
  dispose(): void {
    this.events?.removeEventListener("storage", this.onStorage);
  }

  // ---- tokens -------------------------------------------------------------------------------------

  /** The stored pair, null when there is none, undefined when this tab cannot use the storage. */
  private load(): Tokens | null | undefined {
    if (!this.storage || !this.storageUsable) return undefined;
    try {
      const raw = this.storage.getItem(TOKENS_KEY);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Partial<Tokens>;
      if (typeof parsed.access_token === "string" && typeof parsed.refresh_token === "string") {
        return { access_token: parsed.access_token, refresh_token: parsed.refresh_token };
      }
      return null;
    } catch {
      return undefined; // unreadable storage: keep what this tab has
    }
  }

  /** Write both tokens in one item (one write: no reader ever sees a new access with an old refresh token). */
  private store(tokens: Tokens | null): void {
    if (!this.storage || !this.storageUsable) return;
    try {
      if (tokens) this.storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
      else this.storage.removeItem(TOKENS_KEY);
    } catch {
      // Storage full or disabled: the session lasts as long as the page. Drop the stored pair, whose refresh
      // token may be spent already, so no tab presents it, and stop reading it back.
      try {
        this.storage.removeItem(TOKENS_KEY);
      } catch {
        /* nothing more to do */
      }
      this.storageUsable = false;
    }
  }

  /** Take tokens without writing them (they came from storage) and tell the listeners when they changed. */
  private adopt(tokens: Tokens | null): void {
    if (sameTokens(this.tokens, tokens)) return;
    this.tokens = tokens ? { access_token: tokens.access_token, refresh_token: tokens.refresh_token } : null;
    for (const listener of this.listeners) listener(this.tokens, "storage");
  }

  /** Follow the stored pair (another tab refreshed, signed in or signed out). */
  syncFromStorage(): void {
    const stored = this.load();
    if (stored !== undefined) this.adopt(stored);
  }

  getTokens(): Tokens | null {
    return this.tokens;
  }

  isSignedIn(): boolean {
    return this.tokens !== null;
  }

  setTokens(tokens: Tokens | null): void {
    this.tokens = tokens ? { access_token: tokens.access_token, refresh_token: tokens.refresh_token } : null;
    this.store(this.tokens);
    for (const listener of this.listeners) listener(this.tokens, "local");
  }

  onTokensChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Seconds left before the access token expires (null when unknown). */
  secondsLeft(): number | null {
    const exp = jwtExpiry(this.tokens?.access_token);
    return exp === null ? null : exp - this.now() / 1000;
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (!this.tokens) return null;
    const left = this.secondsLeft();
    if (left !== null && left < refreshMargin(this.tokens.access_token)) {
      const refreshed = await this.refresh();
      // Refresh failed without being refused (offline, server error): try the current token anyway.
      return refreshed?.access_token ?? this.tokens?.access_token ?? null;
    }
    return this.tokens.access_token;
  }

  /**
   * New tokens in place of `stale` (the pair a caller found too old or saw refused; the current pair by
   * default). Concurrent callers of this tab share one refresh; the tabs take turns under one lock; a pair
   * another tab already refreshed is used as it is, so a spent refresh token is never presented again.
   * Null when there is no session or the server cannot be reached.
   */
  refresh(stale: Tokens | null = this.tokens): Promise<Tokens | null> {
    if (this.refreshing) return this.refreshing;
    if (!stale) return Promise.resolve(this.tokens);
    // Already replaced since the caller read it (an earlier refresh, or another tab through `storage`).
    if (this.tokens && this.tokens.refresh_token !== stale.refresh_token) return Promise.resolve(this.tokens);
    const run = () => this.refreshUnderLock(stale);
    const flight = (async () => {
      try {
        return await (this.locks ? this.locks.request(REFRESH_LOCK, run) : run());
      } finally {
        this.refreshing = null;
      }
    })();
    this.refreshing = flight;
    return flight;
  }

  private async refreshUnderLock(stale: Tokens): Promise<Tokens | null> {
    // Another tab may have refreshed (or signed out) while this one waited for the lock.
    const stored = this.load();
    if (stored === null) {
      this.adopt(null);
      return null;
    }
    if (stored && stored.refresh_token !== stale.refresh_token) {
      this.adopt(stored);
      return this.tokens;
    }
    const presented = stored ?? this.tokens;
    if (!presented) return null;
    try {
      const body: BodyOf<"/api/v1/auth/refresh", "post"> = { refresh_token: presented.refresh_token };
      const res = await this.send("POST", route("/api/v1/auth/refresh"), null, { body });
      if (res.ok) {
        const pair = (await res.json()) as Json<"/api/v1/auth/refresh", "post">;
        this.setTokens(pair satisfies TokenPair);
        return this.tokens;
      }
      if (res.status === 401 || res.status === 403 || res.status === 422) {
        // Refused. A pair another tab stored meanwhile (a browser without Web Locks) wins; otherwise the
        // refresh token is no longer valid and the person has to log in again.
        const now = this.load();
        if (now && now.refresh_token !== presented.refresh_token) {
          this.adopt(now);
          return this.tokens;
        }
        if (this.tokens?.refresh_token === presented.refresh_token) this.setTokens(null);
      }
      return null;
    } catch {
      return null; // offline: keep the tokens, a later call may succeed
    }
  }

  /**
   * The one token path of every call: `attempt` with a fresh access token (none when `auth` is false) and,
   * when the server answers 401, once more after a refresh (refresh() signs out by itself when the server
   * refuses the refresh token).
   */
  private async withAuth<R extends { status: number }>(auth: boolean, attempt: (token: string | null) => Promise<R>): Promise<R> {
    const token = auth ? await this.accessToken() : null;
    const used = this.tokens;
    let result = await attempt(token);
    if (result.status === 401 && auth && used && this.tokens) {
      // Refresh the pair this attempt used; when it was replaced meanwhile, the new one is taken as it is.
      const refreshed = await this.refresh(used);
      if (refreshed) result = await attempt(refreshed.access_token);
    }
    return result;
  }

  /** The one fetch wrapper: JSON body, bearer token, a network failure as ApiError(0). */
  private async send(method: string, url: string, token: string | null, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(url.startsWith("/") ? url : `${API}/${url}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if ((error as { name?: string })?.name === "AbortError") throw error;
      throw new ApiError(0, null);
    }
  }

  // ---- requests -----------------------------------------------------------------------------------

  /** Any JSON call; `path` is absolute (`/api/...`) or relative to /api/v1. */
  async request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.withAuth(options.auth ?? true, (token) => this.send(method, url, token, options));
    return parseResponse<T>(res);
  }

  get<T>(url: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", url, { signal });
  }

  post<T>(url: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", url, { body: body ?? {} });
  }

  /** A binary download (e.g. the PDF report) on the same token path. */
  async download(url: string): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.withAuth(true, (token) => this.send("GET", url, token, { accept: "*/*" }));
    if (!res.ok) await parseResponse<never>(res);
    const disposition = res.headers.get("Content-Disposition") ?? "";
    const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null;
    return { blob: await res.blob(), filename };
  }

  // ---- auth ---------------------------------------------------------------------------------------

  async login(email: string, password: string): Promise<Tokens> {
    const body: BodyOf<"/api/v1/auth/login", "post"> = { email, password };
    const pair = await this.request<Json<"/api/v1/auth/login", "post">>("POST", route("/api/v1/auth/login"), {
      body,
      auth: false,
    });
    this.setTokens(pair);
    return pair;
  }

  register(body: BodyOf<"/api/v1/auth/register", "post">): Promise<Json<"/api/v1/auth/register", "post">> {
    return this.request("POST", route("/api/v1/auth/register"), { body, auth: false });
  }

  me(): Promise<Json<"/api/v1/auth/me", "get">> {
    return this.get(route("/api/v1/auth/me"));
  }

  /**
   * Sign out: forget the tokens here at once (other tabs follow through the `storage` event), then tell the
   * server to end the session's refresh family. Best effort: offline or refused, the person is signed out
   * locally all the same; never rejects.
   */
  async logout(): Promise<void> {
    const tokens = this.tokens ?? this.load() ?? null;
    this.setTokens(null);
    if (!tokens) return;
    const body: BodyOf<"/api/v1/auth/logout", "post"> = { refresh_token: tokens.refresh_token };
    try {
      await this.request<Json<"/api/v1/auth/logout", "post">>("POST", route("/api/v1/auth/logout"), { body, auth: false });
    } catch {
      /* best effort: the refresh token expires by itself */
    }
  }

  // ---- scans --------------------------------------------------------------------------------------

  createScan(body: BodyOf<"/api/v1/scans", "post">): Promise<Json<"/api/v1/scans", "post">> {
    return this.post(route("/api/v1/scans"), body);
  }

  getScan(id: string, signal?: AbortSignal): Promise<Json<"/api/v1/scans/{scan_id}", "get">> {
    return this.get(route("/api/v1/scans/{scan_id}", { scan_id: id }), signal);
  }

  listScans(cursor?: string | null, limit = 20): Promise<Json<"/api/v1/scans", "get">> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.get(`${route("/api/v1/scans")}?${query.toString()}`);
  }

  processScan(id: string): Promise<Json<"/api/v1/scans/{scan_id}/process", "post">> {
    return this.post(route("/api/v1/scans/{scan_id}/process", { scan_id: id }), {});
  }

  deleteScan(id: string): Promise<void> {
    return this.request("DELETE", route("/api/v1/scans/{scan_id}", { scan_id: id }));
  }

  reportPdf(id: string): Promise<{ blob: Blob; filename: string | null }> {
    return this.download(route("/api/v1/scans/{scan_id}/report.pdf", { scan_id: id }));
  }

  /** Upload photos of one scan with XMLHttpRequest (fetch reports no upload progress), on the same token path. */
  upload(
    scanId: string,
    files: { file: File | Blob; name?: string; roomOrdinal: number }[],
    onProgress?: (loaded: number, total: number) => void,
  ): UploadHandle {
    let current: XMLHttpRequest | null = null;
    let aborted = false;
    const cancelled = () => new ApiError(0, null, "Upload cancelled.");
    const attempt = (token: string | null): Promise<{ status: number; body: unknown; text: string }> =>
      new Promise((resolve, reject) => {
        if (aborted) return reject(cancelled());
        const xhr = this.makeXhr();
        current = xhr;
        xhr.open("POST", route("/api/v1/scans/{scan_id}/images", { scan_id: scanId }));
        xhr.setRequestHeader("Accept", "application/json");
        if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.upload.onprogress = (event: ProgressEvent) => {
          if (event.lengthComputable) onProgress?.(event.loaded, event.total);
        };
        xhr.onload = () => {
          const text = xhr.responseText ?? "";
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: xhr.status, body, text });
        };
        xhr.onerror = () => reject(new ApiError(0, null));
        xhr.onabort = () => reject(cancelled());
        const form = new FormData();
        for (const item of files) {
          form.append("images", item.file, item.name ?? (item.file as File).name ?? "photo.jpg");
          form.append("room_ordinal", String(item.roomOrdinal));
        }
        xhr.send(form);
      });

    const promise = (async () => {
      const result = await this.withAuth(true, attempt);
      if (result.status >= 200 && result.status < 300) {
        const body = (result.body ?? {}) as Partial<UploadResult>;
        return { images: body.images ?? [], duplicates: body.duplicates ?? [] };
      }
      const detail = (result.body as { detail?: unknown } | null)?.detail ?? (result.text || null);
      throw new ApiError(result.status, detail);
    })();
    return {
      promise,
      abort: () => {
        aborted = true;
        current?.abort();
      },
    };
  }

  // ---- checklists ---------------------------------------------------------------------------------

  /** The lists a new scan is judged against: the base items with this person's own merged over them. */
  checklists(): Promise<MergedChecklists> {
    return this.get<Json<"/api/v1/checklists", "get">>(route("/api/v1/checklists"));
  }

  customItems(scope?: Scope): Promise<CustomItem[]> {
    const url = route("/api/v1/checklists/custom-items");
    return this.get<Json<"/api/v1/checklists/custom-items", "get">>(scope ? `${url}?scope=${encodeURIComponent(scope)}` : url);
  }

  createCustomItem(scope: Scope, item: ChecklistItemInput): Promise<CustomItem> {
    const body: BodyOf<"/api/v1/checklists/custom-items", "post"> = { scope, item };
    return this.post<Json<"/api/v1/checklists/custom-items", "post">>(route("/api/v1/checklists/custom-items"), body);
  }

  updateCustomItem(scope: Scope, item: ChecklistItemInput): Promise<CustomItem> {
    const url = route("/api/v1/checklists/custom-items/{scope}/{item_id}", { scope, item_id: item.id });
    const body: BodyOf<"/api/v1/checklists/custom-items/{scope}/{item_id}", "put"> = item;
    return this.request<Json<"/api/v1/checklists/custom-items/{scope}/{item_id}", "put">>("PUT", url, { body });
  }

  deleteCustomItem(scope: Scope, id: string): Promise<void> {
    const url = route("/api/v1/checklists/custom-items/{scope}/{item_id}", { scope, item_id: id });
    return this.request<Json<"/api/v1/checklists/custom-items/{scope}/{item_id}", "delete">>("DELETE", url);
  }
}

async function parseResponse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const detail = body && typeof body === "object" && "detail" in body ? (body as { detail: unknown }).detail : body;
    throw new ApiError(res.status, typeof detail === "string" && detail.startsWith("<") ? null : detail);
  }
  return body as T;
}

function sameTokens(a: Tokens | null, b: Tokens | null): boolean {
  if (a === null || b === null) return a === b;
  return a.access_token === b.access_token && a.refresh_token === b.refresh_token;
}

/** navigator.locks where the browser has Web Locks (every tab of the origin shares them), else null. */
function browserLocks(): RefreshLocks | null {
  const locks = typeof navigator === "undefined" ? undefined : (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks || typeof locks.request !== "function") return null;
  // The lock is held until `callback`'s promise settles and `request` answers its result (Awaited<T> is T here).
  return { request: <T,>(name: string, callback: () => Promise<T>) => locks.request(name, callback) as Promise<T> };
}

/** localStorage, or null where it cannot be used (private mode, no DOM). */
export function safeLocalStorage(): KeyValueStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export const api = new ApiClient();
