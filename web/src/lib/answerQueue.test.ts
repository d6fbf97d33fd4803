import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { AnswerQueue, answerKey, type AnswerStore, type PendingAnswer, type QueuedAnswer, type Settled } from "./answerQueue";

function memoryStore(): AnswerStore<string> & { entries: Map<string, QueuedAnswer<string>> } {
  const entries = new Map<string, QueuedAnswer<string>>();
  return {
    entries,
    put: async (entry) => {
      entries.set(entry.key, entry);
    },
    list: async () => [...entries.values()],
    remove: async (key, savedAt) => {
      if (entries.get(key)?.savedAt === savedAt) entries.delete(key);
    },
  };
}

/** A server that fails like a dropped connection while `online` is false; `hold` keeps the next PUT open. */
function server() {
  const state = { online: true, sent: [] as string[], stored: new Map<string, string>(), refuse: new Set<string>() };
  let release: (() => void) | null = null;
  const held = { next: false };
  const send = async (entry: QueuedAnswer<string>) => {
    if (!state.online) throw new ApiError(0, null);
    if (held.next) {
      held.next = false;
      await new Promise<void>((resolve) => (release = resolve));
    }
    if (state.refuse.has(entry.itemId)) throw new ApiError(422, `no checklist item '${entry.itemId}'`);
    state.sent.push(`${entry.itemId}=${entry.value}`);
    state.stored.set(entry.itemId, entry.value);
    return { value: entry.value, source: "person" };
  };
  return { state, send, hold: () => (held.next = true), release: () => release?.() };
}

const answer = (itemId: string, value: string) => ({ scanId: "s1", scope: "room-1", itemId, value, note: null, photoIds: [] });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function watch<A>(queue: AnswerQueue<string, A>) {
  const seen = { pending: new Map() as ReadonlyMap<string, PendingAnswer<string>>, settled: [] as Settled<string, A>[] };
  queue.subscribe({ onChange: (p) => (seen.pending = p), onSettled: (s) => seen.settled.push(s) });
  return seen;
}

describe("walk-through answers", () => {
  it("are sent at once and leave nothing behind", async () => {
    const { state, send } = server();
    const store = memoryStore();
    const queue = new AnswerQueue(store, send);
    const seen = watch(queue);
    await queue.save(answer("walls_condition", "Good"));
    expect(state.sent).toEqual(["walls_condition=Good"]);
    expect(seen.pending.size).toBe(0);
    expect(seen.settled.map((s) => s.answer)).toEqual([{ value: "Good", source: "person" }]);
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("given offline wait in the store and are sent when the connection returns", async () => {
    const { state, send } = server();
    const store = memoryStore();
    const queue = new AnswerQueue(store, send);
    const seen = watch(queue);
    state.online = false;
    await queue.save(answer("walls_condition", "Poor"));
    await queue.save(answer("mould", "not_visible"));
    expect([...seen.pending.values()].map((p) => [p.entry.itemId, p.state])).toEqual([
      ["walls_condition", "waiting"],
      ["mould", "waiting"],
    ]);
    expect(queue.unsent("s1")).toBe(2);
    expect([...store.entries.values()].map((e) => e.value)).toEqual(["Poor", "not_visible"]);

    state.online = true;
    await queue.flush();
    expect(state.sent).toEqual(["walls_condition=Poor", "mould=not_visible"]);
    expect(queue.unsent("s1")).toBe(0);
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("keep only the last answer per item: the earlier one waiting is replaced, never sent", async () => {
    const { state, send } = server();
    const store = memoryStore();
    const queue = new AnswerQueue(store, send);
    state.online = false;
    await queue.save(answer("walls_condition", "Poor"));
    await queue.save(answer("floor_condition", "Good"));
    await queue.save(answer("walls_condition", "Average"));
    expect(store.entries.get(answerKey("s1", "room-1", "walls_condition"))?.value).toBe("Average");
    expect(store.entries.size).toBe(2);
    state.online = true;
    await queue.flush();
    expect(state.sent.sort()).toEqual(["floor_condition=Good", "walls_condition=Average"]);
    expect(state.stored.get("walls_condition")).toBe("Average");
  });

  it("given while an earlier one is in flight: the later is sent after it and is not dropped from the store", async () => {
    const { state, send, hold, release } = server();
    const store = memoryStore();
    const queue = new AnswerQueue(store, send);
    hold();
    const first = queue.save(answer("walls_condition", "Poor"));
    await tick();
    const second = queue.save(answer("walls_condition", "Excellent"));
    await tick();
    release();
    await Promise.all([first, second]);
    expect(state.sent).toEqual(["walls_condition=Poor", "walls_condition=Excellent"]);
    expect(state.stored.get("walls_condition")).toBe("Excellent"); // the last one given wins on the server too
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("kept by an earlier visit are sent by the next queue on the same store", async () => {
    const offline = server();
    const store = memoryStore();
    offline.state.online = false;
    await new AnswerQueue(store, offline.send).save(answer("ceiling_condition", "Average"));
    expect(store.entries.size).toBe(1);

    const { state, send } = server();
    const later = new AnswerQueue(store, send);
    const seen = watch(later);
    await later.flush();
    expect(state.sent).toEqual(["ceiling_condition=Average"]);
    expect(seen.settled).toHaveLength(1);
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("are sent only by the person who gave them: another person signed in on the phone leaves them waiting", async () => {
    const offline = server();
    const store = memoryStore();
    offline.state.online = false;
    await new AnswerQueue(store, offline.send, () => "alice").save(answer("ceiling_condition", "Average"));
    expect(store.entries.get(answerKey("s1", "room-1", "ceiling_condition"))?.userId).toBe("alice");

    let who = "bob";
    const { state, send } = server();
    const queue = new AnswerQueue(store, send, () => who);
    await queue.flush();
    expect(state.sent).toEqual([]);
    expect(store.entries.size).toBe(1);

    who = "alice";
    await queue.flush();
    expect(state.sent).toEqual(["ceiling_condition=Average"]);
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("a newer answer given here wins over an older one an earlier visit kept", async () => {
    const store = memoryStore();
    await store.put({ ...answer("mould", "Poor"), key: answerKey("s1", "room-1", "mould"), savedAt: 1 });
    const { state, send } = server();
    state.online = false;
    const queue = new AnswerQueue(store, send);
    await queue.save(answer("mould", "not_applicable"));
    state.online = true;
    await queue.flush();
    expect(state.sent).toEqual(["mould=not_applicable"]);
  });

  it("refused by the server are reported and not retried for ever", async () => {
    const { state, send } = server();
    state.refuse.add("gone_item");
    const store = memoryStore();
    const queue = new AnswerQueue(store, send);
    const seen = watch(queue);
    await queue.save(answer("gone_item", "Good"));
    expect(seen.settled.map((s) => s.error?.message)).toEqual(["no checklist item 'gone_item'"]);
    expect(seen.pending.size).toBe(0);
    await tick();
    expect(store.entries.size).toBe(0);
    await queue.flush();
    expect(state.sent).toEqual([]);
  });

  it("in flight when the connection drops are kept on the phone at once, never left saving on a request that hangs", async () => {
    const store = memoryStore();
    const signals: AbortSignal[] = [];
    let finishLate: ((answer: string) => void) | null = null;
    let connected = false;
    const sent: string[] = [];
    const queue = new AnswerQueue<string, string>(store, (entry, signal) => {
      signals.push(signal);
      // The first request never ends by itself (the signal went mid-save); it does not even heed its signal.
      if (!connected) return new Promise<string>((resolve) => (finishLate = resolve));
      sent.push(`${entry.itemId}=${entry.value}`);
      return Promise.resolve("stored");
    });
    const seen = watch(queue);
    const saved = queue.save(answer("ceiling_condition", "not_visible"));
    await tick();
    expect([...seen.pending.values()].map((p) => p.state)).toEqual(["saving"]);

    queue.connectionLost();
    await saved; // given up on: the answer is kept
    expect(signals[0].aborted).toBe(true);
    expect([...seen.pending.values()].map((p) => [p.entry.itemId, p.state])).toEqual([["ceiling_condition", "waiting"]]);
    expect(queue.unsent("s1")).toBe(1);
    expect([...store.entries.values()].map((e) => e.value)).toEqual(["not_visible"]);

    // What the abandoned request ends with changes nothing: the answer goes again with the connection.
    finishLate!("late");
    await tick();
    expect(queue.unsent("s1")).toBe(1);
    expect(seen.settled).toEqual([]);
    connected = true;
    await queue.flush();
    expect(sent).toEqual(["ceiling_condition=not_visible"]);
    expect(seen.settled.map((s) => s.answer)).toEqual(["stored"]);
    expect(seen.pending.size).toBe(0);
    await tick();
    expect(store.entries.size).toBe(0);
  });

  it("wait when the server fails or the session is being renewed", async () => {
    const store = memoryStore();
    let status: number | null = 503;
    const queue = new AnswerQueue<string, string>(store, async () => {
      if (status !== null) throw new ApiError(status, null);
      return "ok";
    });
    const seen = watch(queue);
    await queue.save(answer("cleanliness", "Good"));
    status = 401;
    await queue.flush();
    expect([...seen.pending.values()].map((p) => p.state)).toEqual(["waiting"]);
    status = null;
    await queue.flush();
    expect(seen.pending.size).toBe(0);
  });

  describe("when the server does not answer while the phone stays online", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("a request that hangs is given up after the timeout, kept waiting, and sent again by itself", async () => {
      vi.useFakeTimers();
      const store = memoryStore();
      const sent: string[] = [];
      let hang = true;
      const queue = new AnswerQueue<string, string>(
        store,
        (entry) => {
          if (hang) return new Promise<string>(() => undefined); // never answers, never fails
          sent.push(`${entry.itemId}=${entry.value}`);
          return Promise.resolve("stored");
        },
        () => null,
        { sendTimeoutMs: 30_000, retryDelaysMs: [5_000], isOnline: () => true },
      );
      const seen = watch(queue);
      const saved = queue.save(answer("windows_condition", "Fair"));
      await vi.advanceTimersByTimeAsync(29_999);
      expect([...seen.pending.values()].map((p) => p.state)).toEqual(["saving"]);
      await vi.advanceTimersByTimeAsync(1);
      await saved;
      expect([...seen.pending.values()].map((p) => p.state)).toEqual(["waiting"]);
      expect([...store.entries.values()].map((e) => e.value)).toEqual(["Fair"]);

      hang = false;
      await vi.advanceTimersByTimeAsync(4_999);
      expect(sent).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(sent).toEqual(["windows_condition=Fair"]);
      expect(seen.settled.map((s) => s.answer)).toEqual(["stored"]);
      expect(seen.pending.size).toBe(0);
      expect(store.entries.size).toBe(0);
    });

    it("a failing server is tried again after growing delays until it takes the answer, and not while offline", async () => {
      vi.useFakeTimers();
      let failures = 4;
      let online = true;
      const attempts: number[] = [];
      const queue = new AnswerQueue<string, string>(
        memoryStore(),
        async () => {
          attempts.push(Date.now());
          if (failures > 0) {
            failures -= 1;
            throw new ApiError(503, "busy");
          }
          return "stored";
        },
        () => null,
        { retryDelaysMs: [1_000, 4_000], isOnline: () => online },
      );
      const seen = watch(queue);
      const start = Date.now();
      await queue.save(answer("heating", "Good"));
      await vi.advanceTimersByTimeAsync(1_000); // second try: 503
      await vi.advanceTimersByTimeAsync(4_000); // third try: 503
      online = false;
      queue.connectionLost(); // the 'offline' event
      await vi.advanceTimersByTimeAsync(4_000); // the browser is offline: no try, it waits for 'online'
      expect(attempts.map((at) => at - start)).toEqual([0, 1_000, 5_000]);
      expect([...seen.pending.values()].map((p) => p.state)).toEqual(["waiting"]);
      online = true;
      await queue.flush(); // the 'online' event: a fourth try, 503; then the delays start again
      await vi.advanceTimersByTimeAsync(1_000);
      expect(attempts.map((at) => at - start)).toEqual([0, 1_000, 5_000, 9_000, 10_000]);
      expect(seen.settled.map((s) => s.answer)).toEqual(["stored"]);
      expect(seen.pending.size).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(attempts).toHaveLength(5); // nothing waits: nothing more is sent
    });
  });
});
