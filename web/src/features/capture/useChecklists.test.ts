import { renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { reviewApi, type Answer, type Report } from "../review/reviewApi";
import { useChecklists, walkAnswers } from "./useChecklists";

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

describe("the checklists of a scan being captured", () => {
  it("read the house's checklist again once its type is saved: its items depend on the type", async () => {
    const item = (title: string) => ({ value: null, source: "model", photo_ids: [], text: "Not assessed", candidates: [], title }) as Answer;
    const reportWith = (titles: string[], houseType: Answer): Report =>
      ({
        scan_id: "s-type",
        house: { address: null, house_type: houseType, checklist: Object.fromEntries(titles.map((t) => [t, item(t)])) },
        rooms: [],
      }) as unknown as Report;
    const notDetermined = { ...item("House type"), text: "Not determined" };
    const apartment = { ...item("House type"), value: "apartment", source: "person", text: "Apartment" } as Answer;
    const report = vi
      .spyOn(reviewApi, "report")
      .mockResolvedValueOnce(reportWith(["roof_condition", "garage", "facade_condition", "windows"], notDetermined))
      .mockResolvedValue(reportWith(["windows"], apartment));
    vi.spyOn(reviewApi, "putAnswer").mockResolvedValue(apartment);

    const { result } = renderHook(() => useChecklists("s-type", ""));
    await vi.waitFor(() => expect(result.current.progress("house")).toEqual({ checked: 0, total: 4 }));
    result.current.save("house", "house_type", "apartment", null, []);
    await vi.waitFor(() => expect(result.current.progress("house")).toEqual({ checked: 0, total: 1 }));
    expect(Object.keys(result.current.report!.house.checklist)).toEqual(["windows"]);
    expect(result.current.report!.house.house_type.text).toBe("Apartment");
    expect(report).toHaveBeenCalledTimes(2);
  });
});
