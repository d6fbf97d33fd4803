import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { ApiClient, ApiError, formatDetail, jwtExpiry, jwtSubject, refreshMargin, route, type KeyValueStore } from "./api";
import type { BodyOf, ResponseOf, ScanCreate, ScanCreated, ScanDetail } from "./types";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.sig`;
}

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

const NOW = 1_700_000_000_000;

describe("formatDetail", () => {
  it("reads a plain string", () => {
    expect(formatDetail("scan not found")).toEqual(["scan not found"]);
  });
  it("reads FastAPI validation errors", () => {
    expect(
      formatDetail([{ loc: ["body", "email"], msg: "value is not a valid email address", type: "value_error" }]),
    ).toEqual(["email: value is not a valid email address"]);
  });
  it("reads a per-file upload rejection", () => {
    const detail = {
      message: "1 of 2 files were rejected; nothing was stored",
      errors: [{ file: "notes.txt", index: 1, reason: "not a photo in an accepted format" }],
    };
    expect(formatDetail(detail)).toEqual([
      "1 of 2 files were rejected; nothing was stored",
      "notes.txt: not a photo in an accepted format",
    ]);
  });
  it("names a query parameter without its place", () => {
    expect(formatDetail([{ loc: ["query", "tz"], msg: "'Mars/Base' is not a time zone", type: "value_error" }])).toEqual([
      "tz: 'Mars/Base' is not a time zone",
    ]);
  });
  it("returns nothing for an empty detail", () => {
    expect(formatDetail(null)).toEqual([]);
    expect(new ApiError(500, null).message).toMatch(/server had a problem/);
  });
});

describe("ApiError of an error body", () => {
  it("keeps the machine code beside the words", () => {
    const error = ApiError.of(404, { detail: "scan not found", error: "scan_not_found" });
    expect([error.status, error.code, error.message, error.lines]).toEqual([404, "scan_not_found", "scan not found", ["scan not found"]]);
  });
  it("says in plain words what the server's words do not say to a person", () => {
    expect(ApiError.of(401, { detail: "invalid or expired token", error: "not_authenticated" }).lines).toEqual([
      "Your session has ended. Please log in again.",
    ]);
    expect(ApiError.of(401, { detail: "wrong email or password", error: "wrong_credentials" }).lines).toEqual([
      "wrong email or password",
    ]);
  });
  it("says an answer that is not the API's (a proxy's page) by its status, with no code", () => {
    const error = ApiError.of(502, null);
    expect([error.code, error.message]).toEqual([null, "The server had a problem. Please try again."]);
    expect(ApiError.of(429, null).message).toMatch(/wait a moment/);
  });
});

describe("routes and shapes from the generated schema", () => {
  it("fills a route's parameters, encoded", () => {
    expect(route("/api/v1/checklists/custom-items/{scope}/{item_id}", { scope: "room", item_id: "a b/c" })).toBe(
      "/api/v1/checklists/custom-items/room/a%20b%2Fc",
    );
    expect(route("/api/v1/scans")).toBe("/api/v1/scans");
  });

  it("refuses, at compile time, routes and parameters the server does not have", () => {
    // Checked by `tsc` (npm run build): each line below must be a type error.
    // @ts-expect-error a route the schema does not have
    route("/api/v1/nowhere");
    // @ts-expect-error a missing path parameter
    route("/api/v1/scans/{scan_id}");
    // @ts-expect-error a method the route does not have
    expectTypeOf<ResponseOf<"/api/v1/scans/{scan_id}/process", "get">>().toBeNever();
  });

  it("types each call's answer and body from the schema", () => {
    expectTypeOf<ResponseOf<"/api/v1/scans/{scan_id}", "get">>().toEqualTypeOf<ScanDetail>();
    expectTypeOf<ResponseOf<"/api/v1/scans", "post">>().toEqualTypeOf<ScanCreated>();
    expectTypeOf<BodyOf<"/api/v1/scans", "post">>().toEqualTypeOf<ScanCreate>();
    expectTypeOf<ResponseOf<"/api/v1/scans/{scan_id}", "delete">>().toEqualTypeOf<void>();
    expectTypeOf<ReturnType<ApiClient["getScan"]>>().toEqualTypeOf<Promise<ScanDetail>>();
  });
});

describe("jwt helpers", () => {
  it("decodes exp and sub", () => {
    const token = jwt({ sub: "user-1", exp: 1234 });
    expect(jwtExpiry(token)).toBe(1234);
    expect(jwtSubject(token)).toBe("user-1");
  });
  it("refreshes a minute ahead, or a quarter of a short lifetime", () => {
    expect(refreshMargin(jwt({ iat: 0, exp: 900 }))).toBe(60);
    expect(refreshMargin(jwt({ iat: 0, exp: 120 }))).toBe(30);
    expect(refreshMargin(jwt({ exp: 120 }))).toBe(60);
  });
  it("is null for garbage", () => {
    expect(jwtExpiry("nope")).toBeNull();
    expect(jwtExpiry("a.%%%.c")).toBeNull();
    expect(jwtSubject(undefined)).toBeNull();
  });
});

describe("ApiClient", () => {
  /** A client signed in with `access` (held in memory, as after a sign-in), or signed out. */
  function client(fetchImpl: typeof fetch, access?: string) {
    const storage = memoryStore();
    const api = new ApiClient({ fetch: fetchImpl, storage, now: () => NOW, locks: null, events: null });
    if (access) api.setTokens({ access_token: access });
    return { api, storage };
  }

  it("logs in asking for the cookie: the access token in memory, only the user's id in storage", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fetchImpl = vi.fn(async () => json(200, { access_token: access, token_type: "bearer" }));
    const { api, storage } = client(fetchImpl as unknown as typeof fetch);
    await api.login("a@b.c", "secret123");
    expect(api.getTokens()).toEqual({ access_token: access });
    expect([...storage.data]).toEqual([["housescan.session", "u"]]);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/auth/login");
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect((init.headers as Record<string, string>)["X-HouseScan-Client"]).toBe("web");
    expect(init.credentials).toBe("same-origin");
  });

  it("on a page just opened (a session, no token yet) refreshes through the cookie first", async () => {
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const calls: [string, RequestInit][] = [];
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      if (url.endsWith("/auth/refresh")) return json(200, { access_token: fresh, token_type: "bearer" });
      return json(200, { id: "u" });
    });
    const storage = memoryStore();
    storage.setItem("housescan.session", "u"); // another page of this browser signed in
    const api = new ApiClient({ fetch: fetchImpl as unknown as typeof fetch, storage, now: () => NOW, locks: null, events: null });
    expect(api.isSignedIn()).toBe(true);
    expect(api.getTokens()).toBeNull();
    await api.me();
    expect(calls.map(([url]) => url)).toEqual(["/api/v1/auth/refresh", "/api/v1/auth/me"]);
    const [, refresh] = calls[0];
    expect(refresh.body).toBeUndefined(); // the cookie carries the refresh token
    expect((refresh.headers as Record<string, string>)["X-HouseScan-Client"]).toBe("web");
    expect((calls[1][1].headers as Record<string, string>).Authorization).toBe(`Bearer ${fresh}`);
    expect([...storage.data.values()].some((v) => v.includes(fresh))).toBe(false);
  });

  it("offline with no token yet, names the user so the service worker finds the copies it kept", async () => {
    const fetchImpl = vi.fn(async (url: string) => {
      if (url.endsWith("/auth/refresh")) throw new TypeError("Failed to fetch");
      return json(200, { items: [], next_cursor: null });
    });
    const storage = memoryStore();
    storage.setItem("housescan.session", "u");
    const api = new ApiClient({ fetch: fetchImpl as unknown as typeof fetch, storage, now: () => NOW, locks: null, events: null });
    await api.listScans();
    const [, init] = fetchImpl.mock.calls[1] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect((init.headers as Record<string, string>)["X-HouseScan-User"]).toBe("u");
    expect(api.isSignedIn()).toBe(true);
  });

  it("sends the bearer token", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fetchImpl = vi.fn(async () => json(200, { id: "u", email: "a@b.c" }));
    const { api } = client(fetchImpl as unknown as typeof fetch, access);
    await api.me();
    const init = (fetchImpl.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).Authorization).toBe(`Bearer ${access}`);
  });

  it("refreshes before the access token expires", async () => {
    const old = jwt({ sub: "u", exp: NOW / 1000 + 20 }); // 20 s left: inside the margin
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const calls: string[] = [];
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      calls.push(url);
      if (url.endsWith("/auth/refresh")) {
        expect(init.body).toBeUndefined();
        return json(200, { access_token: fresh, token_type: "bearer" });
      }
      expect((init.headers as Record<string, string>).Authorization).toBe(`Bearer ${fresh}`);
      return json(200, { items: [], next_cursor: null });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, old);
    await api.listScans();
    expect(calls).toEqual(["/api/v1/auth/refresh", "/api/v1/scans?limit=20"]);
    expect(api.getTokens()).toEqual({ access_token: fresh });
  });

  it("retries once after a 401 with refreshed tokens", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 1800 });
    let scanCalls = 0;
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh")) return json(200, { access_token: fresh, token_type: "bearer" });
      scanCalls += 1;
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === `Bearer ${fresh}` ? json(200, { id: "s1", status: "draft" }) : json(401, { detail: "expired" });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, access);
    const scan = await api.getScan("s1");
    expect(scan.id).toBe("s1");
    expect(scanCalls).toBe(2);
  });

  it("does not loop: a second 401 is an error", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    let refreshes = 0;
    const fetchImpl = vi.fn(async (url: string) => {
      if (url.endsWith("/auth/refresh")) {
        refreshes += 1;
        return json(200, { access_token: access, token_type: "bearer" });
      }
      return json(401, { detail: "nope" });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, access);
    await expect(api.getScan("s1")).rejects.toMatchObject({ status: 401 });
    expect(refreshes).toBe(1);
  });

  it("signs out when the refresh token is refused", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fetchImpl = vi.fn(async (url: string) =>
      url.endsWith("/auth/refresh") ? json(401, { detail: "invalid refresh token" }) : json(401, { detail: "expired" }),
    );
    const { api, storage } = client(fetchImpl as unknown as typeof fetch, access);
    const seen: unknown[] = [];
    api.onTokensChange((t) => seen.push(t));
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(api.isSignedIn()).toBe(false);
    expect(storage.getItem("housescan.session")).toBeNull();
    expect(seen).toEqual([null]);
  });

  it("shares one refresh between concurrent requests", async () => {
    const old = jwt({ sub: "u", exp: NOW / 1000 - 5 });
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    let refreshes = 0;
    const fetchImpl = vi.fn(async (url: string) => {
      if (url.endsWith("/auth/refresh")) {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, { access_token: fresh, token_type: "bearer" });
      }
      return json(200, {});
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, old);
    await Promise.all([api.me(), api.listScans(), api.getScan("x")]);
    expect(refreshes).toBe(1);
  });

  it("keeps the session when the refresh cannot reach the server", async () => {
    const old = jwt({ sub: "u", exp: NOW / 1000 + 10 });
    const fetchImpl = vi.fn(async (url: string) => {
      if (url.endsWith("/auth/refresh")) throw new TypeError("Failed to fetch");
      return json(200, { ok: true });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, old);
    await api.me();
    expect(api.isSignedIn()).toBe(true);
  });

  it("turns a network failure into a readable error", async () => {
    const fetchImpl = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const { api } = client(fetchImpl as unknown as typeof fetch);
    await expect(api.login("a@b.c", "x")).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/reach the server/) });
  });

  it("calls the checklist endpoints on the same client, token path and error type", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 1800 });
    const seen: { method: string; url: string; body: unknown; auth: string | undefined }[] = [];
    const item = { id: "radiator", title: "Radiator condition", type: "categorical" as const, description: "" };
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh")) return json(200, { access_token: fresh, token_type: "bearer" });
      const auth = (init.headers as Record<string, string>).Authorization;
      seen.push({ method: init.method ?? "GET", url, body: init.body ? JSON.parse(init.body as string) : undefined, auth });
      if (auth !== `Bearer ${fresh}`) return json(401, { detail: "expired" });
      if (init.method === "DELETE") return url.includes("/missing") ? json(404, { detail: "custom item not found", error: "custom_item_not_found" }) : new Response(null, { status: 204 });
      if (url.endsWith("/custom-items") && init.method === "GET") return json(200, [{ scope: "room", item }]);
      if (url.endsWith("/checklists")) return json(200, { house: [], room: [item], product: [] });
      return json(init.method === "POST" ? 201 : 200, { scope: "room", item });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, access);

    expect((await api.checklists()).room[0].id).toBe("radiator");
    expect(await api.customItems()).toEqual([{ scope: "room", item }]);
    expect(await api.createCustomItem("room", item)).toEqual({ scope: "room", item });
    expect(await api.updateCustomItem("room", { ...item, title: "Radiators" })).toEqual({ scope: "room", item });
    await expect(api.deleteCustomItem("room", "radiator")).resolves.toBeUndefined();
    const missing = await api.deleteCustomItem("room", "missing").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).lines).toEqual(["custom item not found"]);
    expect((missing as ApiError).code).toBe("custom_item_not_found");

    // The first call met a 401 and was sent again after one refresh; every later one used the new token.
    expect(seen.map((c) => [c.method, c.url, c.auth === `Bearer ${fresh}`])).toEqual([
      ["GET", "/api/v1/checklists", false],
      ["GET", "/api/v1/checklists", true],
      ["GET", "/api/v1/checklists/custom-items", true],
      ["POST", "/api/v1/checklists/custom-items", true],
      ["PUT", "/api/v1/checklists/custom-items/room/radiator", true],
      ["DELETE", "/api/v1/checklists/custom-items/room/radiator", true],
      ["DELETE", "/api/v1/checklists/custom-items/room/missing", true],
    ]);
    expect(seen[3].body).toEqual({ scope: "room", item });
    expect(seen[4].body).toEqual({ ...item, title: "Radiators" });
  });

  it("downloads on the same token path", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 1800 });
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh")) return json(200, { access_token: fresh, token_type: "bearer" });
      if ((init.headers as Record<string, string>).Authorization !== `Bearer ${fresh}`) return json(401, { detail: "expired" });
      return new Response("%PDF-1.7", {
        status: 200,
        headers: { "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="report-s1.pdf"' },
      });
    });
    const { api } = client(fetchImpl as unknown as typeof fetch, access);
    const { blob, filename } = await api.reportPdf("s1");
    expect(filename).toBe("report-s1.pdf");
    expect(await blob.text()).toBe("%PDF-1.7");
    expect(fetchImpl.mock.calls.map((c) => (c as unknown as [string])[0])).toEqual([
      "/api/v1/scans/s1/report.pdf",
      "/api/v1/auth/refresh",
      "/api/v1/scans/s1/report.pdf",
    ]);
  });

  it("returns nothing for 204", async () => {
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fetchImpl = vi.fn(async () => new Response(null, { status: 204 }));
    const { api } = client(fetchImpl as unknown as typeof fetch, access);
    await expect(api.deleteScan("s1")).resolves.toBeUndefined();
  });
});

// A scripted XMLHttpRequest for upload tests.
class FakeXhr {
  static script: { status: number; body: unknown }[] = [];
  static sent: { headers: Record<string, string>; form: FormData }[] = [];
  headers: Record<string, string> = {};
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open() {}
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  abort() {
    this.onabort?.();
  }
  send(form: FormData) {
    FakeXhr.sent.push({ headers: this.headers, form });
    const next = FakeXhr.script.shift()!;
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent);
      this.upload.onprogress?.({ lengthComputable: true, loaded: 100, total: 100 } as ProgressEvent);
      this.status = next.status;
      this.responseText = JSON.stringify(next.body);
      this.onload?.();
    }, 0);
  }
}

describe("ApiClient.upload", () => {
  it("sends images and room_ordinal fields, reports progress, and reads the server's reasons", async () => {
    FakeXhr.sent = [];
    FakeXhr.script = [
      { status: 401, body: { detail: "expired" } },
      {
        status: 422,
        body: {
          detail: { message: "1 of 1 files were rejected", errors: [{ file: "x.txt", reason: "not a photo" }] },
          error: "upload_rejected",
        },
      },
    ];
    const access = jwt({ sub: "u", exp: NOW / 1000 + 900 });
    const fresh = jwt({ sub: "u", exp: NOW / 1000 + 1900 });
    const fetchImpl = vi.fn(async () => json(200, { access_token: fresh, token_type: "bearer" }));
    const api = new ApiClient({
      fetch: fetchImpl as unknown as typeof fetch,
      storage: memoryStore(),
      now: () => NOW,
      xhr: () => new FakeXhr() as unknown as XMLHttpRequest,
    });
    api.setTokens({ access_token: access });
    const progress: number[] = [];
    const handle = api.upload("scan-1", [{ file: new Blob(["x"]), name: "x.txt", roomOrdinal: 1 }], (l, t) =>
      progress.push(l / t),
    );
    const error = await handle.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).lines).toEqual(["1 of 1 files were rejected", "x.txt: not a photo"]);
    expect((error as ApiError).code).toBe("upload_rejected");
    expect(FakeXhr.sent).toHaveLength(2);
    expect(FakeXhr.sent[1].headers.Authorization).toBe(`Bearer ${fresh}`);
    expect(FakeXhr.sent[1].form.getAll("room_ordinal")).toEqual(["1"]);
    expect(FakeXhr.sent[1].form.getAll("images")).toHaveLength(1);
    expect(progress).toContain(1);
  });
});
