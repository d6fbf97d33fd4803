import { describe, expect, it, vi } from "vitest";
import { api, ApiError, type UploadHandle } from "./api";
import {
  flushOutbox,
  KEPT_TEXT,
  queueFor,
  UploadQueue,
  watchedUpload,
  withoutToken,
  type Outbox,
  type OutboxEntry,
  type UploadFn,
  type UploadItem,
} from "./uploadQueue";
import type { UploadResult } from "./types";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const photo = (name: string) => new File([JPEG], name, { type: "image/jpeg" });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Three base64url parts: how a JWT looks, whatever its claims. */
const JWT_LIKE = /[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}/;

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.signature`;
}

function memoryOutbox(): Outbox & { entries: OutboxEntry[] } {
  let next = 1;
  const box = {
    entries: [] as OutboxEntry[],
    put: async (entry: OutboxEntry) => {
      const id = next++;
      box.entries.push({ ...entry, id });
      return id;
    },
    list: async () => [...box.entries],
    remove: async (id: number) => {
      box.entries = box.entries.filter((entry) => entry.id !== id);
    },
  };
  return box;
}

/** An upload function that fails like a dropped connection while `online` is false. */
function network() {
  const state = { online: true, sent: [] as string[] };
  const fn: UploadFn = (_file, name) => {
    const promise: Promise<UploadResult> = state.online
      ? Promise.resolve({ images: [{ id: name } as UploadResult["images"][number]], duplicates: [] }).then((r) => {
          state.sent.push(name);
          return r;
        })
      : Promise.reject(new ApiError(0, null));
    const handle: UploadHandle = { promise, abort: () => undefined };
    return handle;
  };
  return { state, fn };
}

describe("uploads started offline", () => {
  it("wait for the connection, are kept in the outbox, and go when it returns", async () => {
    const { state, fn } = network();
    const outbox = memoryOutbox();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 2);
    let syncs = 0;
    queue.keepOffline({
      scanId: "scan-1",
      outbox,
      user: () => "user-1",
      isOnline: () => state.online,
      requestSync: () => (syncs += 1),
    });
    state.online = false;
    queue.add([photo("a.jpg"), photo("b.jpg")], 1);
    queue.start();
    await tick();
    await tick();
    expect(items.map((i) => i.status)).toEqual(["offline", "offline"]);
    expect(queue.unsent()).toBe(2);
    expect(outbox.entries.map((e) => [e.scanId, e.roomOrdinal, e.name, e.user])).toEqual([
      ["scan-1", 1, "a.jpg", "user-1"],
      ["scan-1", 1, "b.jpg", "user-1"],
    ]);
    expect(syncs).toBe(2); // Background Sync asked for (it wakes the app), where the browser has it

    state.online = true;
    queue.resumeOffline();
    await tick();
    await tick();
    expect(items.map((i) => i.status)).toEqual(["done", "done"]);
    expect(state.sent).toEqual(["a.jpg", "b.jpg"]);
    await tick();
    expect(outbox.entries).toEqual([]); // sent: no second copy from the outbox later
  });

  it("stalled when the signal went are kept in the outbox for the connection, like any cut off", async () => {
    vi.useFakeTimers();
    try {
      let online = true;
      let abortIt: () => void = () => undefined;
      const hangs: UploadFn = () => ({
        promise: new Promise<UploadResult>((_resolve, reject) => (abortIt = () => reject(new ApiError(0, null, "Upload cancelled.")))),
        abort: () => abortIt(),
      });
      const outbox = memoryOutbox();
      let items: UploadItem[] = [];
      const queue = new UploadQueue(hangs, (i) => (items = i), 1, undefined, 60_000);
      queue.keepOffline({ scanId: "scan-1", outbox, user: () => "user-1", isOnline: () => online });
      queue.add([photo("a.jpg")], 0);
      queue.start();
      online = false;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(items.map((i) => i.status)).toEqual(["offline"]);
      expect(outbox.entries.map((e) => e.name)).toEqual(["a.jpg"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("kept in the outbox: one whose upload stalls stays there and lets the next go (the flush does not hang)", async () => {
    vi.useFakeTimers();
    try {
      const outbox = memoryOutbox();
      await outbox.put({ scanId: "scan-1", roomOrdinal: 0, name: "hangs.jpg", blob: photo("hangs.jpg"), user: "user-1", savedAt: 1 });
      await outbox.put({ scanId: "scan-1", roomOrdinal: 0, name: "goes.jpg", blob: photo("goes.jpg"), user: "user-1", savedAt: 2 });
      const flushed = flushOutbox(
        outbox,
        (entry) =>
          watchedUpload(
            () => {
              let cancel: (error: unknown) => void = () => undefined;
              const promise = new Promise<UploadResult>((resolve, reject) => {
                cancel = reject;
                if (entry.name === "goes.jpg") resolve({ images: [{ id: "i1" } as UploadResult["images"][number]], duplicates: [] });
              });
              return { promise, abort: () => cancel(new ApiError(0, null, "Upload cancelled.")) };
            },
            () => undefined,
            60_000,
          ).promise,
        "user-1",
      );
      await vi.advanceTimersByTimeAsync(60_000);
      expect(await flushed).toBe(1);
      expect(outbox.entries.map((e) => e.name)).toEqual(["hangs.jpg"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("are kept without any token, only the user's id, while the app holds one in memory", async () => {
    const token = jwt({ sub: "user-7", exp: Math.floor(Date.now() / 1000) + 3600 });
    api.setTokens({ access_token: token });
    try {
      const { state, fn } = network();
      const outbox = memoryOutbox();
      const queue = new UploadQueue(fn, () => undefined, 2);
      // As the capture page sets it up.
      queue.keepOffline({ scanId: "scan-7", outbox, user: () => api.userId(), isOnline: () => state.online });
      state.online = false;
      queue.add([photo("c.jpg")], 0);
      queue.start();
      await tick();
      await tick();
      expect(outbox.entries).toHaveLength(1);
      const [entry] = outbox.entries;
      expect(Object.keys(entry).sort()).toEqual(["blob", "id", "name", "roomOrdinal", "savedAt", "scanId", "user"]);
      expect(entry.user).toBe("user-7");
      const { blob, ...rest } = entry;
      expect(blob.size).toBe(JPEG.length); // the photo itself
      const kept = JSON.stringify(rest);
      expect(kept).not.toContain(token);
      expect(kept).not.toMatch(JWT_LIKE);

      state.online = true; // and it still goes (the app's own token is the one sent)
      queue.resumeOffline();
      await tick();
      await tick();
      expect(state.sent).toEqual(["c.jpg"]);
      expect(outbox.entries).toEqual([]);
    } finally {
      api.setTokens(null);
    }
  });

  it("lose the token an earlier version kept with them, keeping whose they are", () => {
    const old = { id: 3, scanId: "s", roomOrdinal: 0, name: "old.jpg", blob: photo("old.jpg"), savedAt: 1 };
    const migrated = withoutToken({ ...old, token: jwt({ sub: "user-3" }) });
    expect(migrated).toEqual({ ...old, user: "user-3" });
    expect("token" in migrated).toBe(false);
    expect(withoutToken({ ...old, token: null })).toEqual({ ...old, user: null });
    expect(withoutToken(old)).toBe(old);
  });

  it("are sent by their own user only: another person signed in on the phone leaves them", async () => {
    const outbox = memoryOutbox();
    await outbox.put({ scanId: "a", roomOrdinal: 0, name: "mine.jpg", blob: photo("mine.jpg"), user: "me", savedAt: 1 });
    await outbox.put({ scanId: "b", roomOrdinal: 0, name: "theirs.jpg", blob: photo("theirs.jpg"), user: "them", savedAt: 2 });
    const sent: string[] = [];
    const upload = async (entry: OutboxEntry) => {
      sent.push(entry.name);
      return { images: [], duplicates: [] };
    };
    expect(await flushOutbox(outbox, upload, "me")).toBe(1);
    expect(sent).toEqual(["mine.jpg"]);
    expect(outbox.entries.map((e) => e.name)).toEqual(["theirs.jpg"]);
  });

  it("are sent on the next open when no Background Sync did, and kept while still offline", async () => {
    const outbox = memoryOutbox();
    await outbox.put({ scanId: "s", roomOrdinal: 0, name: "kept.jpg", blob: photo("kept.jpg"), savedAt: 1 });
    await outbox.put({ scanId: "s", roomOrdinal: 0, name: "refused.jpg", blob: photo("refused.jpg"), savedAt: 2 });
    const offline = await flushOutbox(outbox, () => Promise.reject(new ApiError(0, null)));
    expect(offline).toBe(0);
    expect(outbox.entries).toHaveLength(2);
    const sent: string[] = [];
    const count = await flushOutbox(outbox, async (entry) => {
      if (entry.name === "refused.jpg") throw new ApiError(422, { errors: [{ reason: "this is not a photo" }] });
      sent.push(entry.name);
      return { images: [], duplicates: [] };
    });
    expect(sent).toEqual(["kept.jpg"]);
    expect(count).toBe(1);
    expect(outbox.entries).toEqual([]); // the refused one is not retried for ever
  });
});

describe("photos the server could not take now", () => {
  /** Answers each upload with the next outcome: an ApiError is thrown, anything else is the photo stored. */
  function server(outcomes: (ApiError | "stored")[]) {
    const sent: string[] = [];
    const fn: UploadFn = (_file, name) => {
      const next = outcomes.shift() ?? "stored";
      sent.push(name);
      const promise: Promise<UploadResult> =
        next === "stored" ? Promise.resolve({ images: [{ id: name } as UploadResult["images"][number]], duplicates: [] }) : Promise.reject(next);
      return { promise, abort: () => undefined };
    };
    return { sent, fn };
  }

  it("are kept in the outbox beside Retry, so a closed tab does not lose them; a Retry that goes through takes them out", async () => {
    const { sent, fn } = server([new ApiError(503, { detail: "The photo store cannot be reached." }), "stored"]);
    const outbox = memoryOutbox();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.keepOffline({ scanId: "scan-1", outbox, user: () => "user-1", isOnline: () => true });
    queue.add([photo("a.jpg")], 0);
    queue.start();
    await tick();
    await tick();
    const [failed] = items;
    expect(failed.status).toBe("failed");
    expect(failed.messages.at(-1)).toBe(KEPT_TEXT);
    expect(outbox.entries.map((e) => [e.scanId, e.name, e.user])).toEqual([["scan-1", "a.jpg", "user-1"]]);
    // While this page holds it, only its Retry sends it (no second copy from the outbox).
    expect(await flushOutbox(outbox, async () => ({ images: [], duplicates: [] }), "user-1")).toBe(0);

    queue.retry(failed.key);
    await tick();
    await tick();
    expect(items.map((i) => i.status)).toEqual(["done"]);
    expect(sent).toEqual(["a.jpg", "a.jpg"]);
    expect(outbox.entries).toEqual([]);
  });

  it("refused (the server judged the file) are not kept: sending them again would be refused again", async () => {
    const { fn } = server([new ApiError(422, { errors: [{ file: "a.jpg", reason: "this is not a photo" }] })]);
    const outbox = memoryOutbox();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.keepOffline({ scanId: "scan-1", outbox, isOnline: () => true });
    queue.add([photo("a.jpg")], 0);
    queue.start();
    await tick();
    await tick();
    expect(items.map((i) => [i.status, i.messages])).toEqual([["rejected", ["this is not a photo"]]]);
    expect(outbox.entries).toEqual([]);
  });
});

describe("a photo the person dismisses", () => {
  it("leaves the outbox: kept for the connection, then dismissed, it is never sent", async () => {
    const { state, fn } = network();
    const outbox = memoryOutbox();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.keepOffline({ scanId: "scan-1", outbox, isOnline: () => state.online });
    state.online = false;
    queue.add([photo("private.jpg")], 0);
    queue.start();
    await tick();
    await tick();
    expect(outbox.entries.map((e) => e.name)).toEqual(["private.jpg"]);
    queue.remove(items[0].key);
    await tick();
    expect(outbox.entries).toEqual([]);
    state.online = true;
    queue.resumeOffline();
    const sent: string[] = [];
    await flushOutbox(outbox, async (entry) => (sent.push(entry.name), { images: [], duplicates: [] }));
    expect(sent).toEqual([]);
    expect(state.sent).toEqual([]);
  });

  it("while it was still being written to the outbox is taken out as soon as it is there", async () => {
    const { state, fn } = network();
    const outbox = memoryOutbox();
    let written: () => void = () => undefined;
    const slowOutbox: Outbox = {
      ...outbox,
      put: (entry) => new Promise<number>((resolve) => (written = () => void outbox.put(entry).then(resolve))),
    };
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.keepOffline({ scanId: "scan-1", outbox: slowOutbox, isOnline: () => state.online });
    state.online = false;
    queue.add([photo("private.jpg")], 0);
    queue.start();
    await tick();
    queue.remove(items[0].key);
    written();
    await tick();
    await tick();
    expect(outbox.entries).toEqual([]);
  });
});

describe("capture never loses a photo", () => {
  it("checks files before staging them: refused ones say why and are never sent", async () => {
    const { state, fn } = network();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 2);
    await queue.addChecked([photo("ok.jpg"), new File(["notes"], "notes.jpg", { type: "image/jpeg" })], 0);
    expect(items.map((i) => [i.name, i.status, i.messages])).toEqual([
      ["ok.jpg", "staged", []],
      ["notes.jpg", "rejected", ["this is not a photo (JPEG, PNG, WebP or HEIC)"]],
    ]);
    queue.start();
    await tick();
    expect(state.sent).toEqual(["ok.jpg"]);
  });

  it("keeps one queue per scan, so a page that leaves and comes back finds its photos", () => {
    const { fn } = network();
    const first = queueFor("scan-keep", () => new UploadQueue(fn, () => undefined));
    first.add([photo("staged.jpg")], 2);
    const again = queueFor("scan-keep", () => new UploadQueue(fn, () => undefined));
    expect(again).toBe(first);
    let seen: UploadItem[] = [];
    again.listen((i) => (seen = i));
    expect(seen.map((i) => [i.name, i.status, i.roomOrdinal])).toEqual([["staged.jpg", "staged", 2]]);
  });
});
