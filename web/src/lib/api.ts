// The one REST client of the web app: one fetch wrapper, one token path, one error type (ApiError).
//
// Tokens are out of page scripts' reach: the server keeps the refresh token in an HttpOnly cookie sent only to
// /auth/refresh and /auth/logout (every request says `X-HouseScan-Client: web`, which asks for that and is
// the cookie's CSRF guard), and the access token lives in this module's one client, in memory only. A page
// that opens refreshes through the cookie to get one; it is refreshed before it expires and once on a 401.
//
// The server rotates the refresh token at each refresh and signs the person out everywhere when a spent one
// comes back. The browser shares the cookie between tabs, so a refresh takes a lock shared by the tabs (Web
// Locks, "housescan-refresh"; one in-tab flight where the browser has none): a tab that waited presents the
// cookie the other one's refresh left. What the tabs share in localStorage is no secret: the signed-in user's
// id ("housescan.session"), whose `storage` events carry sign-in and sign-out to the other tabs. Every shape
// it sends or reads is generated from the server's OpenAPI schema (see types.ts).
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
/** The signed-in user's id (no secret): whether this browser has a session, and how tabs follow each other. */
const SESSION_KEY = "housescan.session";
/** Where the app kept both tokens before they left localStorage: read once, moved into the cookie, removed. */
const LEGACY_TOKENS_KEY = "housescan.tokens";
/** Sent with every request: the server then keeps the refresh token in its cookie (and checks for it there). */
export const CLIENT_HEADER = { "X-HouseScan-Client": "web" } as const;
/** A hint for the service worker's offline cache when a request goes without a token (see sw-template.js). */
const USER_HINT_HEADER = "X-HouseScan-User";
/** The Web Lock every tab takes around a refresh, so only one of them spends the refresh token. */
export const REFRESH_LOCK = "housescan-refresh";
/** Refresh when the access token has less than this many seconds left. */
export const REFRESH_MARGIN_SECONDS = 60;

/** The words of an error body's `detail`, one line each: the server sends a sentence, FastAPI's list of
 * invalid fields ({loc, msg}), or an upload's summary with a reason per file ({message, errors: [{file, reason}]}). */
export function formatDetail(detail: unknown): string[] {
  if (typeof detail === "string") return detail ? [detail] : [];
  if (Array.isArray(detail)) return detail.map(invalidField);
  if (!detail || typeof detail !== "object") return [];
  const { message, errors } = detail as { message?: unknown; errors?: unknown };
  return [...(typeof message === "string" ? [message] : []), ...(Array.isArray(errors) ? errors.map(fileReason) : [])];
}

function invalidField(entry: unknown): string {
  const { loc, msg } = (entry ?? {}) as { loc?: unknown; msg?: unknown };
  const where = Array.isArray(loc) ? loc.filter((part) => !["body", "query", "path"].includes(String(part))).join(" → ") : "";
  return where ? `${where}: ${String(msg)}` : String(msg);
}

function fileReason(entry: unknown): string {
  const { file, reason } = (entry ?? {}) as { file?: unknown; reason?: unknown };
  return typeof file === "string" ? `${file}: ${String(reason)}` : String(reason);
}

/** Words for the codes whose `detail` is not written for the person using the app. */
const PLAIN_WORDS: Record<string, string> = {
  not_authenticated: "Your session has ended. Please log in again.",
  admin_only: "You are not allowed to do that.",
  body_too_large: "The upload is too large.",
};

/** A failed call: the HTTP status, the server's machine code (`scan_not_found`; null without an answer in
 * the API's error shape) and its `detail` in lines for the person. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly detail: unknown;
  readonly lines: string[];

  constructor(status: number, detail: unknown, fallback?: string, code: string | null = null) {
    const plain = code === null ? undefined : PLAIN_WORDS[code];
    const lines = plain ? [plain] : formatDetail(detail);
    const text = lines.length > 0 ? lines.join("\n") : fallback ?? defaultMessage(status);
    super(text);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.lines = lines.length > 0 ? lines : [text];
  }

  /** The error of an answer's body: `{"detail", "error"}` from the API, anything else (a proxy's HTML page)
   * said by its status alone. */
  static of(status: number, body: unknown): ApiError {
    if (!body || typeof body !== "object" || !("detail" in body)) return new ApiError(status, null);
    const { detail, error } = body as { detail: unknown; error?: unknown };
    return new ApiError(status, detail, undefined, typeof error === "string" ? error : null);
  }
}

function defaultMessage(status: number): string {
  if (status === 0) return "Cannot reach the server. Check your connection and try again.";
  if (status === 401) return "Your session has ended. Please log in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "Not found.";
  if (status === 413) return "The upload is too large.";
  if (status === 429) return "Too many tries. Please wait a moment and try again.";
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

/** What this tab holds: the access token (the refresh token is the browser's cookie, never seen here). */
export interface Tokens {
  access_token: string;
  /** Only from a server that answers it in the body (never stored). */
  refresh_token?: string | null;
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
  /** `storage` events of other tabs; the window by default when the session marker lives in localStorage. */
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

/** Told of every change of the tokens: made by this tab ("local"), or following another tab's sign-in or
 * sign-out ("storage"). */
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
  /** The access token: in memory only, for as long as the page lives. */
  private access: string | null = null;
  /** The session marker where storage cannot be used (private mode): this tab then follows no other. */
  private memorySession: string | null = null;
  /** A refresh token the previous app left in localStorage, presented once to move it into the cookie. */
  private legacyRefresh: string | null = null;
  private refreshing: Promise<Tokens | null> | null = null;
  private listeners = new Set<Listener>();
  private readonly onStorage = (event: Event): void => {
    const key = (event as StorageEvent).key;
    // `key` is null when another tab cleared the whole storage.
    if (key === SESSION_KEY || key === null || key === undefined) this.syncFromStorage();
  };

  constructor(options: ApiClientOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const local = safeLocalStorage();
    this.storage = options.storage ?? local;
    this.now = options.now ?? (() => Date.now());
    this.makeXhr = options.xhr ?? (() => new XMLHttpRequest());
    this.locks = options.locks === undefined ? browserLocks() : options.locks;
    const win = typeof globalThis.window === "undefined" ? null : globalThis.window;
    this.events = options.events === undefined ? (local !== null && this.storage === local ? win : null) : options.events;
    this.events?.addEventListener("storage", this.onStorage);
    this.takeLegacyTokens();
  }

  /** Stop following other tabs (tests; the app's one client lives as long as the page). */
  dispose(): void {
    this.events?.removeEventListener("storage", this.onStorage);
  }

  // ---- tokens -------------------------------------------------------------------------------------

  private read(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: string | null): boolean {
    if (!this.storage) return false;
    try {
      if (value === null) this.storage.removeItem(key);
      else this.storage.setItem(key, value);
      return true;
    } catch {
      return false;
    }
  }

  /** The signed-in user's id as this browser knows it (any tab), or null when signed out. */
  private session(): string | null {
    return this.read(SESSION_KEY) ?? this.memorySession;
  }

  private setSession(user: string | null): void {
    // An unchanged value is not written: no `storage` event for the other tabs.
    if (this.read(SESSION_KEY) === user) this.memorySession = null;
    else this.memorySession = this.write(SESSION_KEY, user) ? null : user;
  }

  /** A pair kept by the app before the cookie: its refresh token is moved into the cookie at the first
   * refresh; nothing of it stays in storage. */
  private takeLegacyTokens(): void {
    const raw = this.read(LEGACY_TOKENS_KEY);
    if (raw === null) return;
    this.write(LEGACY_TOKENS_KEY, null);
    try {
      const parsed = JSON.parse(raw) as { access_token?: unknown; refresh_token?: unknown };
      if (typeof parsed.refresh_token !== "string") return;
      this.legacyRefresh = parsed.refresh_token;
      this.setSession(jwtSubject(typeof parsed.access_token === "string" ? parsed.access_token : null) ?? "");
    } catch {
      /* unreadable: nothing to move */
    }
  }

  private notify(origin: "local" | "storage"): void {
    const tokens = this.getTokens();
    for (const listener of this.listeners) listener(tokens, origin);
  }

  /** Follow another tab: signed out there, so here; signed in there (or as someone else), so refresh here
   * through the shared cookie. */
  syncFromStorage(): void {
    const user = this.session();
    if (user === null) {
      if (this.access === null && this.legacyRefresh === null) return;
      this.access = null;
      this.legacyRefresh = null;
      this.notify("storage");
      return;
    }
    const mine = jwtSubject(this.access);
    if (this.access !== null && (mine === user || user === "")) return;
    this.access = null;
    void this.refresh().then((tokens) => {
      if (tokens) this.notify("storage");
    });
  }

  /** The signed-in user's id (no secret; "" when not known yet), or null when signed out. */
  userId(): string | null {
    return this.session();
  }

  getTokens(): Tokens | null {
    return this.access === null ? null : { access_token: this.access };
  }

  /** Signed in as far as this tab knows: an access token, or a session whose cookie can get one. */
  isSignedIn(): boolean {
    return this.access !== null || this.session() !== null;
  }

  /** Take the tokens of a sign-in or refresh (only the access token is kept), or sign out with null. */
  setTokens(tokens: Tokens | null): void {
    this.access = tokens?.access_token ?? null;
    if (tokens === null) this.legacyRefresh = null;
    this.setSession(tokens === null ? null : jwtSubject(tokens.access_token) ?? "");
    this.notify("local");
  }

  onTokensChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Seconds left before the access token expires (null when unknown). */
  secondsLeft(): number | null {
    const exp = jwtExpiry(this.access);
    return exp === null ? null : exp - this.now() / 1000;
  }

  /** A usable access token: refreshed first when there is none yet (a page just opened) or it is about to
   * expire. Null when signed out, or when no refresh could be made (offline). */
  async accessToken(): Promise<string | null> {
    if (!this.isSignedIn()) return null;
    const left = this.secondsLeft();
    if (this.access === null || (left !== null && left < refreshMargin(this.access))) {
      const refreshed = await this.refresh();
      // Refresh failed without being refused (offline, server error): try the current token anyway.
      return refreshed?.access_token ?? this.access;
    }
    return this.access;
  }

  /**
   * A new access token in place of `stale` (the tokens a caller found too old or saw refused; the current
   * ones by default). Concurrent callers of this tab share one refresh; the tabs take turns under one lock,
   * each presenting the cookie the previous refresh left; a token already replaced since the caller read it
   * is answered as it is. Null when there is no session or the server cannot be reached.
   */
  refresh(stale: Tokens | null = this.getTokens()): Promise<Tokens | null> {
    if (this.refreshing) return this.refreshing;
    if (!this.isSignedIn()) return Promise.resolve(null);
    if (this.access !== null && stale !== null && this.access !== stale.access_token) return Promise.resolve(this.getTokens());
    const run = () => this.refreshUnderLock();
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

  private async refreshUnderLock(): Promise<Tokens | null> {
    // Another tab may have signed out while this one waited for the lock.
    const before = this.session();
    if (before === null) {
      if (this.access !== null) this.setTokens(null);
      return null;
    }
    const legacy = this.legacyRefresh;
    try {
      const body: BodyOf<"/api/v1/auth/refresh", "post"> | undefined = legacy === null ? undefined : { refresh_token: legacy };
      const res = await this.send("POST", route("/api/v1/auth/refresh"), null, { body });
      this.legacyRefresh = null; // presented: moved into the cookie, or refused
      if (res.ok) {
        const answer = (await res.json()) as Json<"/api/v1/auth/refresh", "post">;
        this.setTokens(answer satisfies TokenPair);
        return this.getTokens();
      }
      if (res.status === 401 || res.status === 403 || res.status === 422) {
        // Refused. When another tab signed in anew meanwhile (a browser without Web Locks), its cookie is the
        // one to use: once more with it. Otherwise the session has ended and the person has to log in again.
        const after = this.session();
        if (after !== null && after !== before) {
          const retry = await this.send("POST", route("/api/v1/auth/refresh"), null);
          if (retry.ok) {
            this.setTokens((await retry.json()) as Json<"/api/v1/auth/refresh", "post">);
            return this.getTokens();
          }
        }
        this.setTokens(null);
      }
      return null;
    } catch {
      return null; // offline: keep the session, a later call may succeed
    }
  }

  /**
   * The one token path of every call: `attempt` with a fresh access token (none when `auth` is false) and,
   * when the server answers 401, once more after a refresh (refresh() signs out by itself when the server
   * refuses the cookie).
   */
  private async withAuth<R extends { status: number }>(auth: boolean, attempt: (token: string | null) => Promise<R>): Promise<R> {
    const token = auth ? await this.accessToken() : null;
    const used = this.getTokens();
    let result = await attempt(token);
    if (result.status === 401 && auth && this.isSignedIn()) {
      // Refresh the token this attempt used; when it was replaced meanwhile, the new one is taken as it is.
      const refreshed = await this.refresh(used);
      if (refreshed) result = await attempt(refreshed.access_token);
    }
    return result;
  }

  /** The one fetch wrapper: JSON body, bearer token, a network failure as ApiError(0). */
  private async send(method: string, url: string, token: string | null, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: options.accept ?? "application/json", ...CLIENT_HEADER };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (options.auth !== false) {
      // Offline at page load there is no token yet: the service worker still finds this user's copies.
      const user = this.session();
      if (user) headers[USER_HINT_HEADER] = user;
    }
    try {
      return await this.fetchImpl(url.startsWith("/") ? url : `${API}/${url}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        credentials: "same-origin",
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
    return { access_token: pair.access_token };
  }

  register(body: BodyOf<"/api/v1/auth/register", "post">): Promise<Json<"/api/v1/auth/register", "post">> {
    return this.request("POST", route("/api/v1/auth/register"), { body, auth: false });
  }

  me(): Promise<Json<"/api/v1/auth/me", "get">> {
    return this.get(route("/api/v1/auth/me"));
  }

  /**
   * Sign out: forget the access token here at once (other tabs follow through the `storage` event), then ask
   * the server to end the session's refresh family and remove the cookie. Best effort: offline or refused,
   * the person is signed out locally all the same; never rejects.
   */
  async logout(): Promise<void> {
    const hadSession = this.isSignedIn();
    const legacy = this.legacyRefresh;
    this.setTokens(null);
    if (!hadSession) return;
    const body: BodyOf<"/api/v1/auth/logout", "post"> | undefined = legacy === null ? undefined : { refresh_token: legacy };
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
    const attempt = (token: string | null): Promise<{ status: number; body: unknown }> =>
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
        xhr.onload = () => resolve({ status: xhr.status, body: parsedJson(xhr.responseText ?? "") });
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
      throw ApiError.of(result.status, result.body);
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
  const body = parsedJson(await res.text());
  if (!res.ok) throw ApiError.of(res.status, body);
  return body as T;
}

/** The JSON of an answer's text; null for none, or for what is not JSON (a proxy's error page). */
function parsedJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
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
