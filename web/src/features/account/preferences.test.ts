import { afterEach, describe, expect, it, vi } from "vitest";
import { accountPreferences, adoptedPreferences, currencyOfLocale } from "./preferences";
import { api } from "../../lib/api";
import { viewerTimeZone } from "../../lib/format";

afterEach(() => vi.restoreAllMocks());

const SAVED: Record<string, { currency: string; time_zone: string }> = {
  alice: { currency: "GBP", time_zone: "Europe/London" },
  bob: { currency: "JPY", time_zone: "Asia/Tokyo" },
};

describe("account preferences", () => {
  it("are each signed-in person's own: the next person on the tab never gets the last one's", async () => {
    let user = "alice";
    vi.spyOn(api, "userId").mockImplementation(() => user);
    const gets: string[] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string) => {
      if (method !== "GET") throw new Error("nothing unset: nothing to save");
      gets.push(user);
      return SAVED[user] as never;
    });

    expect(await accountPreferences()).toEqual(SAVED.alice);
    expect(await accountPreferences()).toEqual(SAVED.alice); // once per person
    expect([adoptedPreferences(), viewerTimeZone()]).toEqual([SAVED.alice, "Europe/London"]);

    user = "bob"; // Alice signed out, Bob signed in on the same tab
    expect(adoptedPreferences()).toBeNull();
    expect(await accountPreferences()).toEqual(SAVED.bob);
    expect([adoptedPreferences(), viewerTimeZone()]).toEqual([SAVED.bob, "Asia/Tokyo"]);
    expect(gets).toEqual(["alice", "bob"]);
  });
});

describe("the currency a browser's locale suggests", () => {
  it("is the region's own, the euro in the euro area (Bulgaria since 2026), else dollars", () => {
    expect(["en-GB", "de-DE", "bg-BG", "ro-RO", "xx"].map(currencyOfLocale)).toEqual(["GBP", "EUR", "EUR", "RON", "USD"]);
  });
});
