import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ApiClient } from "./api";
import { Realtime, readLastEventId, rememberEventId } from "./realtime";

describe("last event id", () => {
  it("only moves forward and is kept per user", () => {
    expect(readLastEventId("u1", localStorage)).toBeNull();
    expect(rememberEventId("u1", 5, localStorage)).toBe(true);
    expect(rememberEventId("u1", "3", localStorage)).toBe(false);
    expect(rememberEventId("u1", "12", localStorage)).toBe(true);
    expect(rememberEventId("u1", undefined, localStorage)).toBe(false);
    expect(readLastEventId("u1", localStorage)).toBe(12);
    expect(readLastEventId("u2", localStorage)).toBeNull();
  });
});

type Handler = (...args: unknown[]) => void;

const fakeSocket = vi.hoisted(() => ({
  handlers: new Map<string, Handler>(),
  connects: 0,
  active: true,
}));

vi.mock("socket.io-client", () => ({
  io: () => ({
    active: fakeSocket.active,
    on(name: string, handler: Handler) {
      fakeSocket.handlers.set(name, handler);
    },
    connect() {
      fakeSocket.connects += 1;
    },
    removeAllListeners() {
      fakeSocket.handlers.clear();
    },
    disconnect() {},
  }),
}));

function signedInClient(signedIn: () => boolean): ApiClient {
  return {
    isSignedIn: signedIn,
    getTokens: () => null,
    accessToken: async () => "token",
    refresh: async () => null,
  } as unknown as ApiClient;
}

describe("Realtime", () => {
  beforeEach(() => {
    fakeSocket.handlers.clear();
    fakeSocket.connects = 0;
  });

  it("connects again once when the server ended the connection, while the tab is still signed in", () => {
    let signedIn = true;
    const realtime = new Realtime(signedInClient(() => signedIn));
    realtime.start();
    fakeSocket.handlers.get("disconnect")?.("io server disconnect");
    expect(realtime.state).toBe("disconnected");
    expect(fakeSocket.connects).toBe(1);

    // A dropped transport is Socket.IO's own to retry; a signed-out tab does not try.
    fakeSocket.handlers.get("disconnect")?.("transport close");
    signedIn = false;
    fakeSocket.handlers.get("disconnect")?.("io server disconnect");
    expect(fakeSocket.connects).toBe(1);
    realtime.stop();
  });
});
