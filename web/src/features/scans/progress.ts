// The processing screen's state: live Socket.IO events and REST snapshots folded into one view.
import type { ScanDetail, ScanEvent, ScanStatus } from "../../lib/types";

export interface Step {
  stage: string;
  progress: number;
  at: number; // ms since epoch, when first seen
}

export interface ProgressState {
  scanId: string;
  status: ScanStatus | "unknown";
  progress: number; // 0..100
  stage: string | null;
  message: string | null;
  error: string | null;
  steps: Step[];
  seenEventIds: number[]; // recent ids, to drop repeats after a replay
  lastEventId: number | null;
  updatedAt: number;
}

export type ProgressAction =
  | { kind: "event"; event: ScanEvent; at?: number }
  | { kind: "snapshot"; scan: Pick<ScanDetail, "id" | "status" | "error">; at?: number }
  | { kind: "retry"; at?: number };

export function initialProgress(scanId: string): ProgressState {
  return {
    scanId,
    status: "unknown",
    progress: 0,
    stage: null,
    message: null,
    error: null,
    steps: [],
    seenEventIds: [],
    lastEventId: null,
    updatedAt: 0,
  };
}

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed"]);

export function isTerminal(status: ProgressState["status"]): boolean {
  return TERMINAL.has(status);
}

function toId(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return null;
}

function clamp(n: unknown): number {
  const value = typeof n === "number" ? n : Number(n);
  if (!Number.isFinite(value)) return 0;
  // Accept both 0..1 and 0..100.
  const pct = value > 0 && value <= 1 && !Number.isInteger(value) ? value * 100 : value;
  return Math.max(0, Math.min(100, Math.round(pct)));
}

/** A stage name such as "room_checklist" or "Room checklist: kitchen" as a person reads it. */
export function stageLabel(stage: string | null | undefined): string {
  if (!stage) return "";
  const text = stage.replace(/[_-]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function progressReducer(state: ProgressState, action: ProgressAction): ProgressState {
  const at = action.at ?? Date.now();
  if (action.kind === "retry") {
    return { ...state, status: "queued", error: null, progress: 0, stage: null, message: "Queued again", steps: [], updatedAt: at };
  }
  if (action.kind === "snapshot") {
    const { scan } = action;
    if (scan.id !== state.scanId) return state;
    // The database is the source of truth: a terminal REST status always wins; a non-terminal one
    // does not undo live progress already shown.
    if (scan.status === "succeeded") {
      return { ...state, status: "succeeded", progress: 100, error: null, updatedAt: at };
    }
    if (scan.status === "failed") {
      return { ...state, status: "failed", error: scan.error ?? state.error ?? "The scan failed.", updatedAt: at };
    }
    if (isTerminal(state.status) && state.status !== scan.status) {
      // e.g. failed → queued after a retry from another tab
      return { ...state, status: scan.status, error: null, progress: 0, steps: [], updatedAt: at };
    }
    if (state.status === "unknown" || rank(scan.status) > rank(state.status)) {
      return { ...state, status: scan.status, updatedAt: at };
    }
    return state;
  }

  const { event } = action;
  const payload = event.payload;
  if (!payload || payload.scanId !== state.scanId) return state;
  const eventId = toId(payload.eventId);
  if (eventId !== null && state.seenEventIds.includes(eventId)) return state;
  const seenEventIds = eventId === null ? state.seenEventIds : [...state.seenEventIds, eventId].slice(-200);
  const lastEventId = eventId === null ? state.lastEventId : Math.max(eventId, state.lastEventId ?? 0);
  const base = { ...state, seenEventIds, lastEventId, updatedAt: at };

  switch (event.type) {
    case "scan:uploaded":
      return { ...base, message: event.payload.message ?? base.message };
    case "scan:processing": {
      // A new attempt starts (also after a retry): earlier failure no longer applies.
      const restarted = state.status === "failed" || state.status === "succeeded";
      return {
        ...base,
        status: "running",
        error: null,
        message: event.payload.message ?? "Processing started",
        progress: restarted ? 0 : base.progress,
        steps: restarted ? [] : base.steps,
      };
    }
    case "scan:progress": {
      if (state.status === "succeeded") return base;
      const progress = clamp(event.payload.progress);
      const stage = event.payload.stage ?? base.stage;
      const steps = [...base.steps];
      if (stage) {
        const last = steps[steps.length - 1];
        if (last && last.stage === stage) steps[steps.length - 1] = { ...last, progress: Math.max(last.progress, progress) };
        else steps.push({ stage, progress, at });
      }
      if (event.payload.paused) {
        // The server stopped mid-analysis and queued the scan again: waiting, not running, until its next
        // scan:processing; the ring keeps what was reached.
        return { ...base, status: "queued", error: null, progress: Math.max(progress, base.progress), stage, steps };
      }
      return {
        ...base,
        status: "running",
        error: null,
        progress: Math.max(progress, state.status === "running" ? base.progress : 0),
        stage,
        steps,
      };
    }
    case "scan:completed":
      return { ...base, status: "succeeded", progress: 100, error: null, message: event.payload.message ?? "Report ready" };
    case "scan:failed":
      return { ...base, status: "failed", error: event.payload.error ?? "The scan failed." };
    default:
      return state;
  }
}

function rank(status: ProgressState["status"]): number {
  return { unknown: 0, draft: 1, queued: 2, running: 3, succeeded: 4, failed: 4 }[status];
}

// ---- persistence: the processing screen survives a reload ----------------------------------------

const PROGRESS_PREFIX = "housescan.progress.";

export function saveProgress(state: ProgressState, storage: Storage | null = safeStorage()): void {
  try {
    const { seenEventIds, ...rest } = state;
    storage?.setItem(PROGRESS_PREFIX + state.scanId, JSON.stringify({ ...rest, seenEventIds: seenEventIds.slice(-50) }));
  } catch {
    /* ignore */
  }
}

export function loadProgress(scanId: string, storage: Storage | null = safeStorage()): ProgressState {
  try {
    const raw = storage?.getItem(PROGRESS_PREFIX + scanId);
    if (raw) {
      const parsed = JSON.parse(raw) as ProgressState;
      if (parsed && parsed.scanId === scanId && Array.isArray(parsed.steps)) {
        return { ...initialProgress(scanId), ...parsed };
      }
    }
  } catch {
    /* ignore */
  }
  return initialProgress(scanId);
}

export function clearProgress(scanId: string, storage: Storage | null = safeStorage()): void {
  try {
    storage?.removeItem(PROGRESS_PREFIX + scanId);
  } catch {
    /* ignore */
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}
