import { describe, expect, it } from "vitest";
import { initialProgress, loadProgress, progressReducer, saveProgress, stageLabel, type ProgressState } from "./progress";
import type { ScanEvent } from "../../lib/types";

const S = "scan-1";
const ev = (e: ScanEvent) => ({ kind: "event" as const, event: e, at: 1 });

function run(events: ScanEvent[], start: ProgressState = initialProgress(S)): ProgressState {
  return events.reduce((state, e) => progressReducer(state, ev(e)), start);
}

describe("progressReducer", () => {
  it("follows a scan from processing to completed", () => {
    const state = run([
      { type: "scan:processing", payload: { scanId: S, message: "started", eventId: 1 } },
      { type: "scan:progress", payload: { scanId: S, progress: 10, stage: "house_type", eventId: 2 } },
      { type: "scan:progress", payload: { scanId: S, progress: 40, stage: "room_type", eventId: 3 } },
      { type: "scan:progress", payload: { scanId: S, progress: 55, stage: "room_type", eventId: 4 } },
    ]);
    expect(state.status).toBe("running");
    expect(state.progress).toBe(55);
    expect(state.stage).toBe("room_type");
    expect(state.steps.map((s) => [s.stage, s.progress])).toEqual([
      ["house_type", 10],
      ["room_type", 55],
    ]);
    const done = run([{ type: "scan:completed", payload: { scanId: S, message: "done", result: {}, eventId: 5 } }], state);
    expect(done.status).toBe("succeeded");
    expect(done.progress).toBe(100);
    expect(done.lastEventId).toBe(5);
  });

  it("ignores other scans and repeated events (replay after reconnect)", () => {
    const once = run([{ type: "scan:progress", payload: { scanId: S, progress: 30, stage: "a", eventId: 7 } }]);
    const twice = run(
      [
        { type: "scan:progress", payload: { scanId: S, progress: 30, stage: "a", eventId: 7 } },
        { type: "scan:progress", payload: { scanId: "other", progress: 90, stage: "b", eventId: 8 } },
      ],
      once,
    );
    expect(twice).toBe(once);
  });

  it("never moves the ring backwards within an attempt", () => {
    const state = run([
      { type: "scan:progress", payload: { scanId: S, progress: 60, stage: "a", eventId: 1 } },
      { type: "scan:progress", payload: { scanId: S, progress: 20, stage: "b", eventId: 2 } },
    ]);
    expect(state.progress).toBe(60);
  });

  it("shows a scan the server's shutdown paused as waiting where it was, until it starts again", () => {
    const paused = run([
      { type: "scan:processing", payload: { scanId: S, message: "started", eventId: 1 } },
      { type: "scan:progress", payload: { scanId: S, progress: 40, stage: "room_type", eventId: 2 } },
      { type: "scan:progress", payload: { scanId: S, progress: 40, stage: "Paused: the service is restarting", paused: true, eventId: 3 } },
    ]);
    expect([paused.status, paused.progress, paused.stage]).toEqual(["queued", 40, "Paused: the service is restarting"]);
    const again = run([{ type: "scan:processing", payload: { scanId: S, message: "Analysing your photos", eventId: 4 } }], paused);
    expect([again.status, again.progress]).toEqual(["running", 40]);
  });

  it("accepts progress as a fraction", () => {
    const state = run([{ type: "scan:progress", payload: { scanId: S, progress: 0.42, stage: "a" } }]);
    expect(state.progress).toBe(42);
  });

  it("shows the failure reason, and a retry starts over", () => {
    const failed = run([
      { type: "scan:progress", payload: { scanId: S, progress: 50, stage: "a", eventId: 1 } },
      { type: "scan:failed", payload: { scanId: S, error: "agents service unreachable", eventId: 2 } },
    ]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("agents service unreachable");
    const retried = progressReducer(failed, { kind: "retry" });
    expect(retried.status).toBe("queued");
    expect(retried.error).toBeNull();
    expect(retried.steps).toEqual([]);
    const again = run([{ type: "scan:processing", payload: { scanId: S, message: "Analysing", eventId: 3 } }], failed);
    expect(again.status).toBe("running");
    expect(again.progress).toBe(0);
  });

  it("takes terminal states from REST snapshots (socket down)", () => {
    const running = run([{ type: "scan:progress", payload: { scanId: S, progress: 50, stage: "a" } }]);
    const queuedSnapshot = progressReducer(running, { kind: "snapshot", scan: { id: S, status: "queued", error: null } });
    expect(queuedSnapshot.status).toBe("running"); // a stale snapshot does not undo live progress
    const done = progressReducer(running, { kind: "snapshot", scan: { id: S, status: "succeeded", error: null } });
    expect(done.status).toBe("succeeded");
    const failed = progressReducer(running, { kind: "snapshot", scan: { id: S, status: "failed", error: "boom" } });
    expect(failed.error).toBe("boom");
  });

  it("ends in the latest state when a page with only a snapshot gets the recent events replayed", () => {
    const snapshot = progressReducer(initialProgress(S), {
      kind: "snapshot",
      scan: { id: S, status: "succeeded", error: null },
    });
    const replayed = run(
      [
        { type: "scan:uploaded", payload: { scanId: S, message: "2 photos stored", roomsCount: 1, imagesCount: 2, eventId: 11 } },
        { type: "scan:processing", payload: { scanId: S, message: "Analysing", eventId: 12 } },
        { type: "scan:progress", payload: { scanId: S, progress: 60, stage: "products", eventId: 13 } },
        { type: "scan:completed", payload: { scanId: S, message: "Your report is ready", result: {}, eventId: 14 } },
      ],
      snapshot,
    );
    expect(replayed.status).toBe("succeeded");
    expect(replayed.progress).toBe(100);
    expect(replayed.lastEventId).toBe(14);
  });

  it("survives a reload through storage", () => {
    const state = run([{ type: "scan:progress", payload: { scanId: S, progress: 35, stage: "room_checklist", eventId: 9 } }]);
    saveProgress(state, localStorage);
    const loaded = loadProgress(S, localStorage);
    expect(loaded.progress).toBe(35);
    expect(loaded.steps).toHaveLength(1);
    expect(loaded.seenEventIds).toContain(9);
    expect(loadProgress("unknown", localStorage).status).toBe("unknown");
  });

  it("labels stages for people", () => {
    expect(stageLabel("room_checklist")).toBe("Room checklist");
    expect(stageLabel(null)).toBe("");
  });
});
