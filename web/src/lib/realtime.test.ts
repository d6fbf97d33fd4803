import { describe, expect, it } from "vitest";
import { readLastEventId, rememberEventId } from "./realtime";

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
