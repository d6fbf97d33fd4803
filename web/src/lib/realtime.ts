// One Socket.IO connection per signed-in tab, namespace /scans, resuming from the last event id seen.
import { io, type Socket } from "socket.io-client";
import { api, jwtSubject, safeLocalStorage, type ApiClient, type KeyValueStore } from "./api";
import { SCAN_EVENT_NAMES, type ScanEvent } from "./types";

const LAST_EVENT_PREFIX = "housescan.lastEventId.";

export type ConnectionState = "idle" | "connecting" | "connected" | "disconnected";

function lastEventKey(userId: string | null): string {
  return LAST_EVENT_PREFIX + (userId ?? "anonymous");
}

export function readLastEventId(userId: string | null, storage: KeyValueStore | null = safeLocalStorage()): number | null {
  try {
    const raw = storage?.getItem(lastEventKey(userId));
    return raw && /^\d+$/.test(raw) ? Number(raw) : null;
  } catch {
    return null;
  }
}

/** Remember the highest event id seen; returns true when it moved forward. */
export function rememberEventId(
  userId: string | null,
  eventId: unknown,
  storage: KeyValueStore | null = safeLocalStorage(),
): boolean {
  const id = typeof eventId === "number" ? eventId : typeof eventId === "string" && /^\d+$/.test(eventId) ? Number(eventId) : null;
  if (id === null) return false;
  const current = readLastEventId(userId, storage);
  if (current !== null && current >= id) return false;
  try {
    storage?.setItem(lastEventKey(userId), String(id));
  } catch {
    /* ignore */
  }
  return true;
}

type EventListener = (event: ScanEvent) => void;
type StateListener = (state: ConnectionState) => void;

export class Realtime {
  private socket: Socket | null = null;
  private eventListeners = new Set<EventListener>();
  private stateListeners = new Set<StateListener>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retries = 0;
  state: ConnectionState = "idle";

  constructor(private readonly client: ApiClient = api) {}

  private userId(): string | null {
    return jwtSubject(this.client.getTokens()?.access_token);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  start(): void {
    if (this.socket || !this.client.isSignedIn()) return;
    const socket = io("/scans", {
      path: "/socket.io/",
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      // A function, so every (re)connection sends a fresh token and the latest event id.
      auth: (cb) => {
        void this.client.accessToken().then((token) => {
          cb({ token, lastEventId: readLastEventId(this.userId()) });
        });
      },
    });
    this.socket = socket;
    this.setState("connecting");
    socket.on("connect", () => {
      this.retries = 0;
      this.setState("connected");
    });
    socket.on("disconnect", (reason) => {
      this.setState("disconnected");
      // The server ended it because its sign-in ended (a sign-out or a password change, here or elsewhere),
      // and Socket.IO does not reconnect after that by itself. One try with the tab's current token: after a
      // change here it is the new sign-in's; an ended one is refused, and the refusal's refresh signs out.
      if (reason === "io server disconnect" && this.socket === socket && this.client.isSignedIn()) socket.connect();
    });
    socket.on("connect_error", () => {
      this.setState("disconnected");
      if (!socket.active) {
        // Refused by the server (usually an expired token): refresh, then try again with backoff.
        const delay = Math.min(30000, 1000 * 2 ** this.retries++);
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          void this.client.refresh().then(() => {
            if (this.socket === socket && this.client.isSignedIn()) socket.connect();
          });
        }, delay);
      }
    });
    for (const name of SCAN_EVENT_NAMES) {
      socket.on(name, (payload: ScanEvent["payload"]) => {
        if (!payload || typeof payload !== "object") return;
        rememberEventId(this.userId(), payload.eventId);
        const event = { type: name, payload } as ScanEvent;
        for (const listener of this.eventListeners) listener(event);
      });
    }
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.setState("idle");
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
}

export const realtime = new Realtime();
