import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import HistoryPage from "./HistoryPage";
import { api } from "../../lib/api";
import { realtime } from "../../lib/realtime";
import type { ScanEvent } from "../../lib/types";
import type { ScanListItem } from "../../lib/types";
import { withQueries } from "../../test-utils";

vi.mock("../../lib/uploadQueue", () => ({ sendOutbox: async () => undefined, UPLOADS_SENT_EVENT: "uploads-sent" }));

const item = (over: Partial<ScanListItem>): ScanListItem => ({
  id: "s1",
  status: "succeeded",
  error: null,
  house_id: "h1",
  address: "14 Maple Grove",
  house_type: null,
  rooms_count: 3,
  images_count: 9,
  created_at: "2026-12-01T08:00:00Z",
  finished_at: "2026-12-01T09:00:00Z",
  house_scan_number: 1,
  house_scans_count: 1,
  ...over,
});

afterEach(() => vi.restoreAllMocks());

describe("HistoryPage", () => {
  it("shows each report in brief: findings by severity, how much was checked, scanned and updated", async () => {
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      if (url.endsWith("/me/preferences")) return { currency: "EUR", time_zone: "Europe/Berlin" } as never;
      throw new Error(`unexpected ${method} ${url}`);
    });
    vi.spyOn(api, "listScans").mockResolvedValue({
      items: [
        item({
          findings_by_severity: { safety: 1, major: 0, maintenance: 2, note: 0 },
          assessed: { total: 75, by_person: 10, by_model: 8, not_assessed: 57, not_seen: 0 },
          scanned_at: "2026-12-01T09:00:00Z",
          updated_at: "2026-12-02T23:15:00Z",
        }),
        item({ id: "s2", address: "2 Elm Row", findings_by_severity: {}, assessed: { total: 70, by_person: 0, by_model: 12, not_assessed: 51, not_seen: 7 }, scanned_at: "2026-12-03T10:00:00Z", updated_at: "2026-12-03T10:00:00Z" }),
      ],
      next_cursor: null,
    });
    render(
      withQueries(
        <MemoryRouter>
          <HistoryPage />
        </MemoryRouter>,
      ),
    );
    const [first, second] = await screen.findAllByTestId("scan-item");
    expect(within(first).getAllByRole("listitem").map((chip) => [chip.textContent, chip.className])).toEqual([
      ["1 safety", "badge badge-safety"],
      ["2 maintenance", "badge badge-maintenance"],
    ]);
    expect(within(first).getByTestId("scan-assessed").textContent).toBe("Checked 10 of 75 · 8 by the models · 57 not assessed");
    // In the account's time zone (Berlin): the update was past midnight there.
    expect(within(first).getByTestId("scan-times").textContent).toBe("Scanned 1 Dec 2026, 10:00 CET · Updated 3 Dec 2026, 00:15 CET");
    expect(within(first).getByTestId("scan-size").textContent).toBe("3 rooms · 9 photos");
    expect(within(second).getByTestId("scan-brief").textContent).toContain("No findings recorded yet");
    expect(within(second).getByTestId("scan-assessed").textContent).toBe("Checked 0 of 70 · 12 by the models · 7 not seen in the photos · 51 not assessed");
  });
});

describe("HistoryPage: a home scanned again", () => {
  it("marks each scan of a home scanned more than once with its place and date; a home scanned once gets no mark", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ currency: "EUR", time_zone: "UTC" } as never);
    const home = { house_id: "h1", address: "12 Harbour Street, flat 3", house_scans_count: 2 };
    vi.spyOn(api, "listScans").mockResolvedValue({
      items: [
        item({ ...home, id: "later", created_at: "2026-12-08T00:01:00Z", house_scan_number: 2 } as Partial<ScanListItem>),
        item({ ...home, id: "first", created_at: "2026-12-07T09:00:00Z", house_scan_number: 1 } as Partial<ScanListItem>),
        item({ id: "other", house_id: "h2", address: "2 Elm Row", house_scan_number: 1, house_scans_count: 1 } as Partial<ScanListItem>),
      ],
      next_cursor: null,
    });
    render(
      withQueries(
        <MemoryRouter>
          <HistoryPage />
        </MemoryRouter>,
      ),
    );
    const [later, first, other] = await screen.findAllByTestId("scan-item");
    expect(within(later).getByTestId("scan-of-home").textContent).toBe("Scan 2 of 2 of this home");
    expect(within(first).getByTestId("scan-of-home").textContent).toBe("Scan 1 of 2 of this home");
    expect(within(other).queryByTestId("scan-of-home")).toBeNull();
  });
});

describe("HistoryPage: homes picked to compare", () => {
  it("offers finished scans only, holds at most four, and opens the comparison of two or more", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ currency: "EUR", time_zone: "Europe/Berlin" } as never);
    const ids = ["a", "b", "c", "d", "e"];
    vi.spyOn(api, "listScans").mockResolvedValue({
      items: [...ids.map((id) => item({ id, address: `${id.toUpperCase()} Street` })), item({ id: "f", address: "Draft Row", status: "draft" })],
      next_cursor: null,
    });
    render(
      withQueries(
        <MemoryRouter initialEntries={["/"]}>
          <Routes>
            <Route path="/" element={<HistoryPage />} />
            <Route path="/compare" element={<LocationProbe />} />
          </Routes>
        </MemoryRouter>,
      ),
    );
    await screen.findAllByTestId("scan-item");
    expect(screen.queryByRole("checkbox", { name: /^Compare Draft Row/ })).toBeNull();
    fireEvent.click(screen.getByRole("checkbox", { name: /^Compare A Street/ }));
    const bar = screen.getByRole("region", { name: "Compare homes" });
    expect(bar.textContent).toContain("1 of 4 picked: pick 1 more to compare");
    expect((within(bar).getByRole("button", { name: "Compare" }) as HTMLButtonElement).disabled).toBe(true);
    for (const id of ["C", "B", "D"]) fireEvent.click(screen.getByRole("checkbox", { name: new RegExp(`^Compare ${id} Street`) }));
    expect((screen.getByRole("checkbox", { name: /^Compare E Street/ }) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(bar).getByRole("button", { name: "Compare" }));
    expect((await screen.findByTestId("location")).textContent).toBe("/compare?scan_ids=a,c,b,d");
  });
});

describe("HistoryPage: two scans of one home made the same day", () => {
  it("names each compare checkbox and Delete button with its time as well, in the account's zone", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ currency: "EUR", time_zone: "Europe/Berlin" } as never);
    vi.spyOn(api, "listScans").mockResolvedValue({
      items: [
        item({ id: "afternoon", address: "12 Harbour View, Flat 3", created_at: "2026-12-07T13:05:00Z" }),
        item({ id: "morning", address: "12 Harbour View, Flat 3", created_at: "2026-12-07T08:30:00Z" }),
        item({ id: "other", address: "3 Elm Lane", created_at: "2026-12-07T08:30:00Z" }),
      ],
      next_cursor: null,
    });
    render(
      withQueries(
        <MemoryRouter>
          <HistoryPage />
        </MemoryRouter>,
      ),
    );
    await screen.findAllByTestId("scan-item");
    expect(screen.getAllByRole("checkbox").map((box) => box.getAttribute("aria-label"))).toEqual([
      "Compare 12 Harbour View, Flat 3, 7 Dec 2026, 14:05 CET",
      "Compare 12 Harbour View, Flat 3, 7 Dec 2026, 09:30 CET",
      "Compare 3 Elm Lane, 7 Dec 2026",
    ]);
    expect(screen.getAllByRole("button", { name: /^Delete / }).map((button) => button.getAttribute("aria-label"))).toEqual([
      "Delete 12 Harbour View, Flat 3, 7 Dec 2026, 14:05 CET",
      "Delete 12 Harbour View, Flat 3, 7 Dec 2026, 09:30 CET",
      "Delete 3 Elm Lane, 7 Dec 2026",
    ]);
  });
});

describe("HistoryPage: live", () => {
  it("reads the list again when a scan completes, and shows the finished scan", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ currency: "EUR", time_zone: "Europe/Berlin" } as never);
    let listener: ((event: ScanEvent) => void) | null = null;
    vi.spyOn(realtime, "onEvent").mockImplementation((fn) => {
      listener = fn;
      return () => undefined;
    });
    const listScans = vi
      .spyOn(api, "listScans")
      .mockResolvedValueOnce({ items: [item({ status: "running", finished_at: null })], next_cursor: null })
      .mockResolvedValue({ items: [item({ findings_by_severity: { safety: 2 } })], next_cursor: null });
    render(
      withQueries(
        <MemoryRouter>
          <HistoryPage />
        </MemoryRouter>,
      ),
    );
    const [running] = await screen.findAllByTestId("scan-item");
    expect(within(running).queryByTestId("scan-brief")).toBeNull();
    await act(async () => listener?.({ type: "scan:completed", payload: { scanId: "s1", message: "done", result: {}, eventId: 3 } } as ScanEvent));
    await waitFor(() => expect(listScans).toHaveBeenCalledTimes(2));
    expect((await screen.findByTestId("scan-brief")).textContent).toContain("2 safety");
  });
});

function LocationProbe() {
  const location = useLocation();
  return <p data-testid="location">{location.pathname + location.search}</p>;
}
