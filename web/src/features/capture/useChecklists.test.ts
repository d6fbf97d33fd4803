import { afterEach, describe, expect, it, vi } from "vitest";
import { reviewApi, type Answer } from "../review/reviewApi";
import { walkAnswers } from "./useChecklists";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the app's walk-through answers", () => {
  it("being sent when the phone loses its connection are kept on the phone, counted, and sent when it returns", async () => {
    // The request of the answer never ends: the signal went while it was on its way.
    let connected = false;
    const sent: string[] = [];
    vi.spyOn(reviewApi, "putAnswer").mockImplementation((_scan, _scope, itemId, body) => {
      if (!connected) return new Promise<Answer>(() => undefined);
      sent.push(`${itemId}=${String(body.value)}`);
      return Promise.resolve({ value: body.value, source: "person" } as Answer);
    });
    const queue = walkAnswers();
    const states = () => [...queue.snapshot().values()].map((p) => [p.entry.itemId, p.state]);
    const saved = queue.save({ scanId: "s-lost", scope: "room-1", itemId: "ceiling_condition", value: "not_visible", note: null, photoIds: [] });
    await tick();
    expect(states()).toEqual([["ceiling_condition", "saving"]]);

    window.dispatchEvent(new Event("offline"));
    await vi.waitFor(() => expect(states()).toEqual([["ceiling_condition", "waiting"]]));
    await saved;
    expect(queue.unsent("s-lost")).toBe(1);

    connected = true;
    window.dispatchEvent(new Event("online"));
    await vi.waitFor(() => expect(sent).toEqual(["ceiling_condition=not_visible"]));
    await vi.waitFor(() => expect(queue.unsent("s-lost")).toBe(0));
  });
});
