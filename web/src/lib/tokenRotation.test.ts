// Rotating refresh tokens across tabs, with the refresh token in the browser's HttpOnly cookie: each refresh
// spends the cookie it presents and sets the next, and presenting a spent one signs the person out everywhere.
// Two "tabs" here are two ApiClients sharing one browser: one cookie jar (the fake server reads and sets it
// as the browser would, on the refresh and logout routes only), one fake localStorage (which sends `storage`
// events to the other tabs, later, as browsers do) and one lock manager.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, REFRESH_LOCK, type KeyValueStore, type RefreshLocks, type StorageEvents, type Tokens } from "./api";

const NOW = 1_700_000_000_000;
const SESSION = "housescan.session";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.sig`;
}

function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A server that rotates the refresh cookie and revokes the family when a spent one comes back. */
class FakeServer {
  private serial = 1;
  private liveAccess = new Set<string>();
  private liveRefresh = new Set<string>();
  private spent = new Set<string>();
  /** The browser's cookie jar: the HttpOnly refresh cookie no script of the page can read. */
  cookie: string | null = null;
  /** Every refresh token presented to /auth/refresh, in order. */
  presented: string[] = [];
  loggedOut: string[] = [];
  theft = false;
  /** Refreshes being answered at once (the lock keeps this at one). */
  inFlight = 0;
  maxInFlight = 0;
  /** When set, /auth/refresh answers only after this promise settles (to make tabs overlap). */
  hold: Promise<void> | null = null;
  private firstRefresh!: () => void;
  /** Resolves when the first refresh request arrives. */
  readonly refreshArrived = new Promise<void>((resolve) => (this.firstRefresh = resolve));

  /** A sign-in: the cookie is set, the access token answered. */
  signIn(sub = "u1"): string {
    const n = this.serial++;
    const access = jwt({ sub, n, iat: NOW / 1000, exp: NOW / 1000 + 900 });
    this.liveAccess.add(access);
    this.cookie = `r${n}`;
    this.liveRefresh.add(this.cookie);
    return access;
  }

  /** The access token ran out on the server's side (its exp claim still looks fine to the client). */
  expire(access: string): void {
    this.liveAccess.delete(access);
  }

  fetch = vi.fn(async (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    if (url === "/api/v1/auth/refresh" || url === "/api/v1/auth/logout") {
      if (headers["X-HouseScan-Client"] !== "web") return json(403, { detail: "the cookie needs X-HouseScan-Client: web" });
      const token = init.body ? (JSON.parse(init.body as string) as { refresh_token: string }).refresh_token : (this.cookie ?? "");
      if (url === "/api/v1/auth/logout") {
        this.loggedOut.push(token);
        this.liveRefresh.delete(token);
        this.cookie = null;
        return new Response(null, { status: 204 });
      }
      this.presented.push(token);
      this.firstRefresh();
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        if (this.hold) await this.hold;
        if (this.spent.has(token)) {
          this.theft = true; // reuse: the whole family is revoked
          this.liveRefresh.clear();
          this.liveAccess.clear();
          return json(401, { detail: "refresh token reuse" });
        }
        if (!this.liveRefresh.has(token)) return json(401, { detail: "invalid refresh token" });
        this.liveRefresh.delete(token);
        this.spent.add(token);
        return json(200, { access_token: this.signIn(), token_type: "bearer" });
      } finally {
        this.inFlight -= 1;
      }
    }
    if (url === "/api/v1/auth/login") return json(200, { access_token: this.signIn(), token_type: "bearer" });
    if (!this.liveAccess.has((headers.Authorization ?? "").replace(/^Bearer /, ""))) return json(401, { detail: "expired" });
    return json(200, { id: "u1", email: "a@b.c" });
  });
}

/** One origin's localStorage seen by several tabs: a tab's write reaches the others as a `storage` event. */
class Browser {
  readonly data = new Map<string, string>();
  private tabs: { store: KeyValueStore; events: EventTarget }[] = [];
  private pending = 0;
  private idle: (() => void)[] = [];

  tab(): { storage: KeyValueStore; events: StorageEvents } {
    const events = new EventTarget();
    const write = (key: string, value: string | null) => {
      if ((this.data.get(key) ?? null) === value) return; // browsers send no event for an unchanged value
      if (value === null) this.data.delete(key);
      else this.data.set(key, value);
      for (const other of this.tabs) {
        if (other.store === store) continue;
        this.pending += 1;
        setTimeout(() => {
          other.events.dispatchEvent(new StorageEvent("storage", { key, newValue: value }));
          this.pending -= 1;
          if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
        }, 0);
      }
    };
    const store: KeyValueStore = {
      getItem: (key) => this.data.get(key) ?? null,
      setItem: (key, value) => write(key, value),
      removeItem: (key) => write(key, null),
    };
    this.tabs.push({ store, events });
    return { storage: store, events: events as unknown as StorageEvents };
  }

  /** Resolves once every `storage` event sent so far has been delivered. */
  delivered(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

/** Web Locks between tabs: one holder at a time, in request order. */
function sharedLocks(): RefreshLocks & { names: string[] } {
  let tail: Promise<unknown> = Promise.resolve();
  const names: string[] = [];
  return {
    names,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      names.push(name);
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

const clients: ApiClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
});

function openTab(browser: Browser, server: FakeServer, locks: RefreshLocks | null, events = true): ApiClient {
  const { storage, events: target } = browser.tab();
  const client = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, storage, now: () => NOW, locks, events: events ? target : null });
  clients.push(client);
  return client;
}

/** A browser signed in earlier: the cookie in its jar, the user's id in its storage, no token in any page. */
function signedIn(browser: Browser, server: FakeServer): void {
  server.signIn();
  browser.data.set(SESSION, "u1");
}

/** Nothing a page script can read holds a token. */
function expectNoSecretIn(browser: Browser, server: FakeServer, ...tokens: (Tokens | null)[]): void {
  const stored = [...browser.data.values()].join(" ");
  for (const t of tokens) if (t) expect(stored).not.toContain(t.access_token);
  if (server.cookie) expect(stored).not.toContain(server.cookie);
  expect([...browser.data.keys()]).toEqual([SESSION]);
}

describe("one refresh cookie shared by the tabs", () => {
  it("two tabs opened at once refresh one after the other under the lock, each with the cookie the other left", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const first = server.cookie!;
    const locks = sharedLocks();
    const tabA = openTab(browser, server, locks);
    const tabB = openTab(browser, server, locks);

    let release!: () => void;
    server.hold = new Promise((resolve) => (release = resolve));
    const both = Promise.all([tabA.me(), tabB.me()]);
    await server.refreshArrived;
    release();
    const [meA, meB] = await both;

    expect(meA.id).toBe("u1");
    expect(meB.id).toBe("u1");
    expect(server.maxInFlight).toBe(1);
    expect(server.presented).toHaveLength(2);
    expect(server.presented[0]).toBe(first);
    expect(server.presented[1]).not.toBe(first); // the cookie tab A's refresh set
    expect(server.theft).toBe(false);
    expect(tabA.getTokens()?.access_token).not.toBe(tabB.getTokens()?.access_token);
    expect(locks.names.every((name) => name === REFRESH_LOCK)).toBe(true);
    expectNoSecretIn(browser, server, tabA.getTokens(), tabB.getTokens());
  });

  it("without the lock the same two refreshes would present one cookie twice: reuse, and both tabs signed out", async () => {
    // Why the lock is kept with the cookie: the server cannot tell two tabs from a thief.
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const tabA = openTab(browser, server, null);
    const tabB = openTab(browser, server, null);
    let release!: () => void;
    server.hold = new Promise((resolve) => (release = resolve));
    const both = Promise.allSettled([tabA.me(), tabB.me()]);
    await server.refreshArrived;
    await vi.waitFor(() => expect(server.presented).toHaveLength(2));
    release();
    await both;
    expect(server.theft).toBe(true);
  });

  it("concurrent 401s of one tab share one refresh, and a late 401 reuses its answer", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const tab = openTab(browser, server, null);
    const start = await tab.refresh();
    server.expire(start!.access_token);
    server.presented.length = 0;

    await Promise.all([tab.me(), tab.me(), tab.me()]);
    expect(server.presented).toHaveLength(1);

    // A request sent with the old token whose 401 arrives after the refresh finished: no second refresh.
    const late = await tab.refresh(start);
    expect(late).toEqual(tab.getTokens());
    expect(server.presented).toHaveLength(1);
    expect(server.theft).toBe(false);
  });

  it("takes the navigator's Web Lock by default", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const locks = sharedLocks();
    Object.defineProperty(navigator, "locks", { value: locks, configurable: true });
    try {
      const { storage } = browser.tab();
      const tab = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, storage, now: () => NOW, events: null });
      await tab.refresh();
      expect(locks.names).toEqual([REFRESH_LOCK]);
    } finally {
      delete (navigator as { locks?: unknown }).locks;
    }
  });

  it("follows another tab's sign-out and sign-in through storage events that carry no secret", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const locks = sharedLocks();
    const tabA = openTab(browser, server, locks);
    const tabB = openTab(browser, server, locks);
    await tabA.me();
    await tabB.me();
    const seen: [Tokens | null, string][] = [];
    tabB.onTokensChange((tokens, origin) => seen.push([tokens, origin]));

    await tabA.logout();
    await browser.delivered();
    expect(tabB.isSignedIn()).toBe(false);
    expect(tabB.getTokens()).toBeNull();
    expect(seen).toEqual([[null, "storage"]]);

    await tabA.login("a@b.c", "pw");
    await browser.delivered();
    // Tab B refreshes through the cookie tab A's sign-in set, and has its own access token.
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(tabB.getTokens()).not.toBeNull();
    expect(seen.slice(1)).toEqual([
      [tabB.getTokens(), "local"],
      [tabB.getTokens(), "storage"],
    ]);
    expect(server.theft).toBe(false);
    expectNoSecretIn(browser, server, tabA.getTokens(), tabB.getTokens());
  });

  it("moves a session the previous app kept in localStorage into the cookie, once", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const oldAccess = server.signIn();
    const oldRefresh = server.cookie!;
    server.cookie = null; // the previous app kept it in localStorage, not in a cookie
    browser.data.set("housescan.tokens", JSON.stringify({ access_token: oldAccess, refresh_token: oldRefresh }));
    const tab = openTab(browser, server, null);
    expect(browser.data.has("housescan.tokens")).toBe(false);
    expect(tab.isSignedIn()).toBe(true);

    expect((await tab.me()).id).toBe("u1");
    expect(server.presented).toEqual([oldRefresh]);
    expect(server.cookie).not.toBeNull(); // the server set the next one as the cookie
    await tab.refresh({ access_token: tab.getTokens()!.access_token });
    expect(server.presented).toEqual([oldRefresh, expect.stringMatching(/^r/)]);
    expect(server.theft).toBe(false);
    expectNoSecretIn(browser, server, tab.getTokens());
  });
});

describe("logout", () => {
  it("ends the session on the server through the cookie and clears what the tab held", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const cookie = server.cookie;
    const tab = openTab(browser, server, null);
    await tab.me();
    const seen: (Tokens | null)[] = [];
    tab.onTokensChange((tokens) => seen.push(tokens));

    await tab.logout();

    expect(server.loggedOut).toEqual([expect.stringMatching(/^r/)]);
    expect(server.loggedOut[0]).not.toBe(cookie); // the one the page-load refresh set
    const [, init] = server.fetch.mock.calls.at(-1)!;
    expect(init?.method).toBe("POST");
    expect(init?.body).toBeUndefined();
    expect((init?.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(server.cookie).toBeNull();
    expect(browser.data.has(SESSION)).toBe(false);
    expect(tab.isSignedIn()).toBe(false);
    expect(seen).toEqual([null]);
  });

  it("signs out locally even when the server cannot be reached", async () => {
    const browser = new Browser();
    const server = new FakeServer();
    signedIn(browser, server);
    const { storage } = browser.tab();
    const offline = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const tab = new ApiClient({ fetch: offline as unknown as typeof fetch, storage, now: () => NOW, locks: null, events: null });
    await expect(tab.logout()).resolves.toBeUndefined();
    expect(offline).toHaveBeenCalledTimes(1);
    expect(browser.data.has(SESSION)).toBe(false);
    expect(tab.isSignedIn()).toBe(false);
  });
});
