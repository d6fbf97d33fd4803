import { describe, expect, it, vi } from "vitest";
import { ApiError, type UploadHandle } from "./api";
import { percent, perFileReasons, STALLED_TEXT, UploadQueue, type UploadFn, type UploadItem } from "./uploadQueue";
import type { ImageRead, UploadResult } from "./types";

interface Call {
  name: string;
  roomOrdinal: number;
  progress: (l: number, t: number) => void;
  resolve: (r: UploadResult) => void;
  reject: (e: unknown) => void;
  aborted: boolean;
}

function fakeUpload() {
  const calls: Call[] = [];
  const fn: UploadFn = (_file, name, roomOrdinal, progress) => {
    let resolve!: (r: UploadResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<UploadResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const call: Call = { name, roomOrdinal, progress, resolve, reject, aborted: false };
    calls.push(call);
    const handle: UploadHandle = {
      promise,
      abort: () => {
        call.aborted = true;
        reject(new ApiError(0, null, "Upload cancelled."));
      },
    };
    return handle;
  };
  return { calls, fn };
}

const file = (name: string) => new File(["data"], name, { type: "image/jpeg" });
const tick = () => new Promise((r) => setTimeout(r, 0));
const image = (id: string): ImageRead => ({
  id,
  room_id: "r",
  sha256: "0".repeat(64),
  content_type: "image/jpeg",
  width: 1,
  height: 1,
  bytes: 1,
  url: `/img/${id}`,
  thumbnail_url: `/img/${id}?size=thumb`,
  medium_url: `/img/${id}?size=medium`,
  created_at: "2026-01-01T10:00:00Z",
});

describe("UploadQueue", () => {
  it("stages files until started, then uploads at most N at a time", async () => {
    const { calls, fn } = fakeUpload();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 2);
    queue.add([file("a.jpg"), file("b.jpg"), file("c.jpg")], 0);
    expect(items.map((i) => i.status)).toEqual(["staged", "staged", "staged"]);
    expect(calls).toHaveLength(0);
    queue.start(0);
    expect(calls.map((c) => c.name)).toEqual(["a.jpg", "b.jpg"]);
    expect(items.map((i) => i.status)).toEqual(["uploading", "uploading", "queued"]);
    calls[0].progress(30, 60);
    expect(percent(items[0])).toBe(50);
    calls[0].resolve({ images: [image("i1")], duplicates: [] });
    await tick();
    expect(items[0].status).toBe("done");
    expect(items[0].image?.id).toBe("i1");
    expect(calls).toHaveLength(3);
  });

  it("only starts the files of the given room", () => {
    const { calls, fn } = fakeUpload();
    const queue = new UploadQueue(fn, () => undefined, 4);
    queue.add([file("a.jpg")], 0);
    queue.add([file("b.jpg")], 1);
    queue.start(1);
    expect(calls.map((c) => [c.name, c.roomOrdinal])).toEqual([["b.jpg", 1]]);
    expect(queue.staged(0)).toBe(1);
  });

  it("shows the server's reason for a rejected file and does not retry it", async () => {
    const { calls, fn } = fakeUpload();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.add([file("notes.jpg")], 0);
    queue.start();
    calls[0].reject(
      new ApiError(422, {
        message: "1 of 1 files were rejected; nothing was stored",
        errors: [{ file: "notes.jpg", index: 0, reason: "not a photo in an accepted format (JPEG, PNG, WebP)" }],
      }),
    );
    await tick();
    expect(items[0].status).toBe("rejected");
    expect(items[0].messages).toEqual(["not a photo in an accepted format (JPEG, PNG, WebP)"]);
    queue.retry(items[0].key);
    expect(calls).toHaveLength(1);
  });

  it("marks network failures as retryable", async () => {
    const { calls, fn } = fakeUpload();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.add([file("a.jpg")], 0);
    queue.start();
    calls[0].reject(new ApiError(0, null));
    await tick();
    expect(items[0].status).toBe("failed");
    queue.retry(items[0].key);
    expect(calls).toHaveLength(2);
    calls[1].resolve({ images: [image("i9")], duplicates: [] });
    await queue.idle();
    expect(items[0].status).toBe("done");
  });

  it("stops an upload that makes no progress for the stall time, shows it failed with Retry, and sends it again", async () => {
    vi.useFakeTimers();
    try {
      const { calls, fn } = fakeUpload();
      let items: UploadItem[] = [];
      const queue = new UploadQueue(fn, (i) => (items = i), 1, undefined, 60_000);
      queue.add([file("a.jpg")], 0);
      queue.start();
      await vi.advanceTimersByTimeAsync(50_000);
      calls[0].progress(2, 4); // bytes still move: the minute starts again
      await vi.advanceTimersByTimeAsync(59_999);
      expect([items[0].status, calls[0].aborted]).toEqual(["uploading", false]);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls[0].aborted).toBe(true);
      expect([items[0].status, items[0].messages]).toEqual(["failed", [STALLED_TEXT]]);
      expect(queue.busy()).toBe(false);

      queue.retry(items[0].key);
      calls[1].resolve({ images: [image("i7")], duplicates: [] });
      await vi.advanceTimersByTimeAsync(0);
      expect(items[0].status).toBe("done");
      await vi.advanceTimersByTimeAsync(120_000); // a finished upload's watchdog is gone
      expect([items[0].status, calls[1].aborted]).toEqual(["done", false]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports a duplicate photo as already uploaded", async () => {
    const { calls, fn } = fakeUpload();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.add([file("a.jpg")], 0);
    queue.start();
    calls[0].resolve({ images: [], duplicates: [{ file: "a.jpg", room_ordinal: 0, sha256: "x", existing_image_id: "i1" }] });
    await tick();
    expect(items[0].status).toBe("duplicate");
    expect(items[0].messages[0]).toMatch(/already uploaded/);
  });

  it("removes a staged file, and cancels one being uploaded", async () => {
    const { calls, fn } = fakeUpload();
    let items: UploadItem[] = [];
    const queue = new UploadQueue(fn, (i) => (items = i), 1);
    queue.add([file("a.jpg"), file("b.jpg")], 0);
    queue.remove(items[1].key);
    expect(items.map((i) => i.name)).toEqual(["a.jpg"]);
    queue.start();
    queue.remove(items[0].key);
    expect(calls[0].aborted).toBe(true);
    await tick();
    expect(items).toEqual([]);
    expect(queue.busy()).toBe(false);
  });

  it("calls back for each stored photo", async () => {
    const { calls, fn } = fakeUpload();
    const stored: string[] = [];
    const queue = new UploadQueue(fn, () => undefined, 2, (item) => stored.push(item.image!.id));
    queue.add([file("a.jpg")], 0);
    queue.start();
    calls[0].resolve({ images: [image("i1")], duplicates: [] });
    await queue.idle();
    expect(stored).toEqual(["i1"]);
  });
});

describe("perFileReasons", () => {
  it("extracts reasons only from the per-file shape", () => {
    expect(perFileReasons({ message: "m", errors: [{ file: "a", reason: "too big" }] })).toEqual(["too big"]);
    expect(perFileReasons("plain")).toBeNull();
    expect(perFileReasons({ message: "m" })).toBeNull();
  });
});
