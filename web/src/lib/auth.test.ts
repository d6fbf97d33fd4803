// The session state of the app (AuthProvider) on the app's own client: real localStorage, window `storage`
// events as another tab of the same origin would send them, and the sign-out path.
import { createElement } from "react";
import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("./realtime", () => ({ realtime: { start: vi.fn(), stop: vi.fn() } }));

const KEY = "housescan.tokens";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.sig`;
}

const exp = Math.floor(Date.now() / 1000) + 3600;
const PAIR = { access_token: jwt({ sub: "u1", exp }), refresh_token: "r1" };
const ME = { id: "u1", email: "a@b.c", first_name: null, last_name: null };

function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Mount AuthProvider on a fresh copy of the modules (the client reads the stored tokens when it is created). */
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

/** What another tab's write of the tokens looks like here. */
function otherTab(value: typeof PAIR | null): void {
  if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
  window.dispatchEvent(new StorageEvent("storage", { key: KEY, newValue: value ? JSON.stringify(value) : null }));
}

describe("AuthProvider across tabs", () => {
  let calls: { url: string; body: unknown }[];
  let disposers: (() => void)[];

  beforeEach(() => {
    calls = [];
    disposers = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
        if (url === "/api/v1/auth/me") return json(200, ME);
        if (url === "/api/v1/auth/logout") return new Response(null, { status: 204 });
        return json(404, { detail: "not found" });
      }),
    );
  });

  afterEach(() => {
    for (const dispose of disposers) dispose();
    vi.unstubAllGlobals();
  });

  it("is signed out when another tab signs out, and signed in when another tab signs in", async () => {
    localStorage.setItem(KEY, JSON.stringify(PAIR));
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();

    act(() => otherTab(null));
    expect(await screen.findByText("signedOut:-")).toBeTruthy();
    expect(api.isSignedIn()).toBe(false);

    const next = { access_token: jwt({ sub: "u1", exp, n: 2 }), refresh_token: "r2" };
    act(() => otherTab(next));
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();
    expect(api.getTokens()).toEqual(next);
  });

  it("logs out: tells the server with the refresh token and clears the stored tokens", async () => {
    localStorage.setItem(KEY, JSON.stringify(PAIR));
    const { api } = await mount();
    disposers.push(() => api.dispose());
    expect(await screen.findByText("signedIn:a@b.c")).toBeTruthy();

    act(() => screen.getByText("Log out").click());
    expect(await screen.findByText("signedOut:-")).toBeTruthy();
    expect(localStorage.getItem(KEY)).toBeNull();
    expect(calls.filter((c) => c.url === "/api/v1/auth/logout")).toEqual([
      { url: "/api/v1/auth/logout", body: { refresh_token: "r1" } },
    ]);
  });
});
