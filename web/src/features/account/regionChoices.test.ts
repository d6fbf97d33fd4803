import { afterEach, describe, expect, it, vi } from "vitest";
import { currencyOptions, matchTimeZones } from "./regionChoices";

afterEach(() => vi.restoreAllMocks());

describe("currencyOptions", () => {
  it("names every currency the browser knows", () => {
    const options = currencyOptions();
    expect(options.length).toBeGreaterThan(100);
    expect(options).toContainEqual({ code: "GBP", label: "GBP — British Pound" });
    // One no longer issued ("Sierra Leonean Leone (1964—2022)") is not offered, unless it is the saved one.
    expect(options.map((option) => option.code)).not.toContain("SLL");
    expect(currencyOptions(["SLL"]).map((option) => option.code)).toContain("SLL");
  });

  it("falls back to common currencies with their names where the browser lists none", () => {
    vi.spyOn(Intl as unknown as { supportedValuesOf: () => string[] }, "supportedValuesOf").mockImplementation(() => {
      throw new RangeError("unsupported");
    });
    vi.spyOn(Intl, "DisplayNames").mockImplementation(() => {
      throw new TypeError("unsupported");
    });
    const options = currencyOptions(["ISK"]);
    expect(options).toContainEqual({ code: "GBP", label: "GBP — Pound sterling" });
    expect(options).toContainEqual({ code: "ISK", label: "ISK" }); // the saved one, though the list lacks it
    expect(options.map((option) => option.code)).toEqual([...options.map((option) => option.code)].sort());
  });
});

describe("matchTimeZones", () => {
  const zones = ["America/Indiana/Knox", "America/Indiana/Vincennes", "America/New_York", "Europe/London", "UTC"];

  it("finds a zone by its city", () => {
    expect(matchTimeZones("London", zones)).toEqual(["Europe/London"]);
    expect(matchTimeZones("  new york ", zones)).toEqual(["America/New_York"]);
  });

  it("takes a zone's own name in any case", () => {
    expect(matchTimeZones("europe/london", zones)).toEqual(["Europe/London"]);
    expect(matchTimeZones("UTC", zones)).toEqual(["UTC"]);
  });

  it("gives every zone that contains what was typed when no city is it, and none for nonsense", () => {
    expect(matchTimeZones("Indiana", zones)).toEqual(["America/Indiana/Knox", "America/Indiana/Vincennes"]);
    expect(matchTimeZones("Atlantisville", zones)).toEqual([]);
    expect(matchTimeZones("  ", zones)).toEqual([]);
  });
});
