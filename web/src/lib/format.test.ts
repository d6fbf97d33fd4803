import { afterEach, describe, expect, it } from "vitest";
import { formatCostRange, formatDate, scannedAndUpdated, setViewerTimeZone, viewerTimeZone } from "./format";

afterEach(() => setViewerTimeZone(null));

describe("formatDate", () => {
  it("writes a moment in the given time zone, the zone named", () => {
    const moment = "2026-12-06T23:30:00Z";
    expect(formatDate(moment, { timeZone: "UTC" })).toBe("6 Dec 2026, 23:30 UTC");
    // Past midnight in Berlin: the day changes with the zone.
    expect(formatDate(moment, { timeZone: "Europe/Berlin" })).toBe("7 Dec 2026, 00:30 CET");
    expect(formatDate(moment, { timeZone: "America/New_York" })).toBe("6 Dec 2026, 18:30 GMT-5");
    expect(formatDate(moment, { timeZone: "Europe/Berlin", dateOnly: true })).toBe("7 Dec 2026");
  });

  it("uses the account's time zone once it is known, and ignores one Intl does not know", () => {
    setViewerTimeZone("Asia/Tokyo");
    expect(viewerTimeZone()).toBe("Asia/Tokyo");
    expect(formatDate("2026-12-06T23:30:00Z")).toBe("7 Dec 2026, 08:30 GMT+9");
    setViewerTimeZone("Mars/Olympus");
    expect(viewerTimeZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it("is empty without a readable moment", () => {
    expect(formatDate(null)).toBe("");
    expect(formatDate("not a date")).toBe("");
  });
});

describe("scannedAndUpdated", () => {
  it("says when the photos were first analysed and when the report last changed, once when the same", () => {
    const zone = { timeZone: "UTC" };
    expect(scannedAndUpdated("2026-12-01T09:00:00Z", "2026-12-03T17:45:00Z", zone)).toBe(
      "Scanned 1 Dec 2026, 09:00 UTC · Updated 3 Dec 2026, 17:45 UTC",
    );
    expect(scannedAndUpdated("2026-12-01T09:00:00Z", "2026-12-01T09:00:20Z", zone)).toBe("Scanned 1 Dec 2026, 09:00 UTC");
    expect(scannedAndUpdated(null, null, zone)).toBe("Not scanned yet");
  });
});

describe("formatCostRange", () => {
  it("writes a range in the account's currency", () => {
    expect(formatCostRange(800, 1200, "GBP")).toBe("£800–£1,200");
    expect(formatCostRange(500, 500, "EUR")).toBe("€500");
  });
});
