// Rotating refresh tokens across tabs: each refresh spends the refresh token it presents, and presenting a
// spent one signs the person out everywhere. Two "tabs" here are two ApiClients sharing one fake
// localStorage (which sends `storage` events to the other tabs, later, as browsers do) and one lock manager.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, REFRESH_LOCK, type KeyValueStore, type RefreshLocks, type StorageEvents, type Tokens } from "./api";

const NOW = 1_700_000_000_000;
const KEY = "housescan.tokens";

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

/** A server that rotates refresh tokens and revokes the family when a spent one comes back. */
class FakeServer {
  private serial = 1;
  private liveAccess = new Set<string>();
  private liveRefresh = new Set<string>();
  private spent = new Set<string>();
  /** Every refresh token presented to /auth/refresh, in order. */
  presented: string[] = [];
  loggedOut: string[] = [];
  theft = false;
  /** When set, /auth/refresh answers only after this promise settles (to make tabs overlap). */
  hold: Promise<void> | null = null;
  private firstRefresh!: () => void;
  /** Resolves when the first refresh request arrives. */
  readonly refreshArrived = new Promise<void>((resolve) => (this.firstRefresh = resolve));

  issue(): Tokens {
    const n = this.serial++;
    const pair = { access_token: jwt({ sub: "u1", n, iat: NOW / 1000, exp: NOW / 1000 + 900 }), refresh_token: `r${n}` };
    this.liveAccess.add(pair.access_token);
    this.liveRefresh.add(pair.refresh_token);
    return pair;
  }

  /** The access token ran out on the server's side (its exp claim still looks fine to the client). */
  expire(access: string): void {
    this.liveAccess.delete(access);
  }

  fetch = vi.fn(async (url: string, init: RequestInit = {}): Promise<Response> => {
    const body = init.body ? (JSON.parse(init.body as string) as { refresh_token?: string }) : {};
    if (url === "/api/v1/auth/refresh") {
      const token = body.refresh_token ?? "";
      this.presented.push(token);
      this.firstRefresh();
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
      return json(200, { ...this.issue(), token_type: "bearer" });
    }
    if (url === "/api/v1/auth/logout") {
      this.loggedOut.push(body.refresh_token ?? "");
      this.liveRefresh.delete(body.refresh_token ?? "");
      return new Response(null, { status: 204 });
    }
    const auth = (init.headers as Record<string, string> | undefined)?.Authorization ?? "";
    if (!this.liveAccess.has(auth.replace(/^Bearer /, ""))) return json(401, { detail: "expired" });
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

  stored(): Tokens | null {
    const raw = this.data.get(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
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

function signedIn(browser: Browser, server: FakeServer): Tokens {
  const pair = server.issue();
  browser.data.set(KEY, JSON.stringify(pair));
  return pair;
}

describe("rotating refresh tokens across tabs", () => {
  it("two tabs that both meet a 401 refresh once and both end with the new pair", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const first = signedIn(browser, server);
    const locks = sharedLocks();
    const tabA = openTab(browser, server, locks);
    const tabB = openTab(browser, server, locks);
    server.expire(first.access_token);

    let release!: () => void;
    server.hold = new Promise((resolve) => (release = resolve));
    const both = Promise.all([tabA.me(), tabB.me()]);
    await server.refreshArrived;
    release();
    const [meA, meB] = await both;

    expect(meA.id).toBe("u1");
    expect(meB.id).toBe("u1");
    expect(server.presented).toEqual([first.refresh_token]);
    expect(server.theft).toBe(false);
    const stored = browser.stored();
    expect(stored?.refresh_token).not.toBe(first.refresh_token);
    expect(tabA.getTokens()).toEqual(stored);
    expect(tabB.getTokens()).toEqual(stored);
    expect(locks.names.every((name) => name === REFRESH_LOCK)).toBe(true);
  });

  it("a tab whose stored pair another tab rotated uses it and never presents the spent token", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const first = signedIn(browser, server);
    // No Web Locks, and tab B hears no storage event: only the re-read before refreshing protects it.
    const tabA = openTab(browser, server, null);
    const tabB = openTab(browser, server, null, false);
    server.expire(first.access_token);

    await tabA.me();
    const rotated = browser.stored();
    expect(rotated?.refresh_token).not.toBe(first.refresh_token);
    expect(tabB.getTokens()).toEqual(first); // still the old pair in memory

    const me = await tabB.me();
    expect(me.id).toBe("u1");
    expect(server.presented).toEqual([first.refresh_token]);
    expect(server.theft).toBe(false);
    expect(tabB.getTokens()).toEqual(rotated);
    const lastCall = server.fetch.mock.calls.at(-1)!;
    expect((lastCall[1]?.headers as Record<string, string>).Authorization).toBe(`Bearer ${rotated!.access_token}`);
  });

  it("concurrent 401s of one tab share one refresh, and a late 401 reuses its answer", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const first = signedIn(browser, server);
    const tab = openTab(browser, server, null);
    server.expire(first.access_token);

    await Promise.all([tab.me(), tab.me(), tab.me()]);
    expect(server.presented).toEqual([first.refresh_token]);

    // A request sent with the old pair whose 401 arrives after the refresh finished: no second refresh.
    const late = await tab.refresh(first);
    expect(late).toEqual(browser.stored());
    expect(server.presented).toEqual([first.refresh_token]);
  });

  it("stores both new tokens of each refresh in one write", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const first = signedIn(browser, server);
    const tab = openTab(browser, server, null);
    const { storage } = browser.tab();
    const writes: string[] = [];
    const spy = vi.spyOn(browser.data, "set").mockImplementation(function (this: Map<string, string>, key, value) {
      writes.push(key);
      return Map.prototype.set.call(this, key, value) as Map<string, string>;
    });
    const next = await tab.refresh();
    spy.mockRestore();
    expect(writes).toEqual([KEY]);
    expect(next?.refresh_token).not.toBe(first.refresh_token);
    expect(JSON.parse(storage.getItem(KEY)!)).toEqual(next);
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

  it("picks up another tab's new pair and sign-out through storage events", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    signedIn(browser, server);
    const tabA = openTab(browser, server, null);
    const tabB = openTab(browser, server, null);
    const seen: [Tokens | null, string][] = [];
    tabB.onTokensChange((tokens, origin) => seen.push([tokens, origin]));

    const next = await tabA.refresh();
    await browser.delivered();
    expect(tabB.getTokens()).toEqual(next);

    await tabA.logout();
    await browser.delivered();
    expect(tabB.isSignedIn()).toBe(false);
    expect(seen).toEqual([
      [next, "storage"],
      [null, "storage"],
    ]);
  });
});

describe("logout", () => {
  it("ends the session on the server with the refresh token and clears the stored tokens", async () => {
    const server = new FakeServer();
    const browser = new Browser();
    const pair = signedIn(browser, server);
    const tab = openTab(browser, server, null);
    const seen: (Tokens | null)[] = [];
    tab.onTokensChange((tokens) => seen.push(tokens));

    await tab.logout();

    expect(server.loggedOut).toEqual([pair.refresh_token]);
    const [, init] = server.fetch.mock.calls.at(-1)!;
    expect(init?.method).toBe("POST");
    expect((init?.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(browser.data.has(KEY)).toBe(false);
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
    expect(browser.data.has(KEY)).toBe(false);
    expect(tab.isSignedIn()).toBe(false);
  });
});
