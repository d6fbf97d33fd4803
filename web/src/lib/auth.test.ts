// The session state of the app (AuthProvider) on the app's own client: real localStorage (which holds only
// the user's id), window `storage` events as another tab of the same origin would send them, a server whose
// refresh token is an HttpOnly cookie the page never sees, and the sign-out path.
import { createElement } from "react";
import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("./realtime", () => ({ realtime: { start: vi.fn(), stop: vi.fn() } }));

const SESSION = "housescan.session";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.sig`;
}

const exp = Math.floor(Date.now() / 1000) + 3600;
const ME = { id: "u1", email: "a@b.c", first_name: null, last_name: null };

function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Mount AuthProvider on a fresh copy of the modules (as a page that has just opened). */
async function mount() {
  vi.resetModules();
  const { AuthProvider, useAuth } = await import("./auth");
  const { api } = await import("./api");
  function Probe() {
    const { status, user, logout } = useAuth();
    return createElement(
      "div",
      null,
      createElement("p", { "data-testid": "status" }, `${status}:${user?.email ?? "-"}`),
      createElement("button", { onClick: logout }, "Log out"),
    );
  }
  render(createElement(AuthProvider, null, createElement(Probe)));
  return { api };
}

/** What another tab's sign-in or sign-out looks like here: the user's id written or removed. */
function otherTab(user: string | null): void {
  if (user) localStorage.setItem(SESSION, user);
  else localStorage.removeItem(SESSION);
  window.dispatchEvent(new StorageEvent("storage", { key: SESSION, newValue: user }));
}

describe("AuthProvider with the refresh token in a cookie", () => {
  let calls: { url: string; body: unknown; headers: Record<string, string> }[];
  let issued: string[];
  let disposers: (() => void)[];

  beforeEach(() => {
    localStorage.clear();
    calls = [];
    issued = [];
    disposers = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        const headers = (init.headers ?? {}) as Record<string, string>;
        calls.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined, headers });
        if (url === "/api/v1/auth/refresh") {
          const access = jwt({ sub: "u1", exp, n: issued.length });
          issued.push(access);
          return json(200, { access_token: access, token_type: "bearer" });
        }
        if (url === "/api/v1/auth/me") {
          return issued.includes((headers.Authorization ?? "").replace(/^Bearer /, "")) ? json(200, ME) : json(401, { detail: "no token" });
        }
        if (url === "/api/v1/auth/logout") return new Response(null, { status: 204 });
        return json(404, { detail: "not found" });
      }),
    );
  });

  afterEach(() => {
    for (const dispose of disposers) dispose();
    vi.unstubAllGlobals();
  });

  it("on opening, gets its access token through the cookie; nothing secret is stored", async () => {
    localStorage.setItem(SESSION, "u1");
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/auth/refresh", "/api/v1/auth/me"]);
    expect(calls[0].body).toBeUndefined();
    expect(calls[0].headers["X-HouseScan-Client"]).toBe("web");
    expect(api.getTokens()).toEqual({ access_token: issued[0] });
    const stored = Object.keys(localStorage).map((key) => localStorage.getItem(key) ?? "");
    expect(stored.some((value) => value.includes(issued[0]))).toBe(false);
  });

  it("opens signed out, with no call, when this browser has no session", async () => {
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(screen.getByText("signedOut:-")).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it("is signed out when another tab signs out, and signed in when another tab signs in", async () => {
    localStorage.setItem(SESSION, "u1");
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();

    act(() => otherTab(null));
    expect(await screen.findByText("signedOut:-")).toBeTruthy();
    expect(api.isSignedIn()).toBe(false);
    expect(api.getTokens()).toBeNull();

    act(() => otherTab("u1"));
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();
    expect(api.getTokens()).toEqual({ access_token: issued.at(-1) });
    expect(calls.filter((c) => c.url === "/api/v1/auth/refresh")).toHaveLength(2);
  });

  it("logs out: tells the server through the cookie and clears the session", async () => {
    localStorage.setItem(SESSION, "u1");
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();

    act(() => screen.getByText("Log out").click());
    expect(await screen.findByText("signedOut:-")).toBeTruthy();
    expect(localStorage.getItem(SESSION)).toBeNull();
    expect(localStorage.getItem("housescan.user")).toBeNull();
    const logout = calls.filter((c) => c.url === "/api/v1/auth/logout");
    expect(logout).toHaveLength(1);
    expect(logout[0].body).toBeUndefined();
    expect(logout[0].headers["X-HouseScan-Client"]).toBe("web");
  });
});
