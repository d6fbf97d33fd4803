import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import SharedRepairListPage from "./SharedRepairListPage";
import { api, ApiError } from "../../lib/api";
import type { RepairList } from "./decisionApi";
import { setViewerTimeZone } from "../../lib/format";
import { withQueries } from "../../test-utils";

const AT = "2026-12-01T10:00:00Z";
const list: RepairList = {
  id: "l1",
  version: 2,
  scan_id: "s1",
  show_estimates: false,
  newer_version: false,
  address: "5 Rose Lane",
  note: "We would like these settled before exchange.",
  items: [
    {
      finding_id: "f1",
      ask: "credit",
      amount: 500,
      finding: {
        id: "f1",
        room_id: "r1",
        room_name: "Kitchen",
        title: "Damp under the window",
        severity: "major",
        note: null,
        photo_ids: ["p1"],
        source: "person",
        checklist_item_id: null,
        marks: [{ photo_id: "p1", shape: "pin", x: 0.4, y: 0.6 }],
        created_at: AT,
        updated_at: AT,
      },
      photos: [{ id: "p1", url: "/api/v1/images/p1?sig", thumbnail_url: "/api/v1/images/p1/thumbnail?sig" }],
    },
    { finding_id: "f2", ask: "repair", amount: null, finding: null, photos: [] },
  ],
  total: { asked: 500, cost_low: 0, cost_high: 0, currency: "GBP", findings_with_costs: 0 },
  share: { expires_at: "2027-01-01T00:00:00Z", state: "active", opened: true },
  created_at: AT,
  updated_at: AT,
};

function renderAt(token: string) {
  render(
    withQueries(
      <MemoryRouter initialEntries={[`/shared/repair-lists/${token}`]}>
        <Routes>
          <Route path="/shared/repair-lists/:token" element={<SharedRepairListPage />} />
        </Routes>
      </MemoryRouter>,
    ),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
  setViewerTimeZone(null);
});

describe("SharedRepairListPage", () => {
  it("speaks to its reader without sign-in: each finding's photo and mark, the asks, the note, the total", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(list as never);
    setViewerTimeZone("Asia/Tokyo"); // the PDF's times in the reader's zone, as the page's
    renderAt("tok");
    expect(await screen.findByRole("heading", { name: "5 Rose Lane" })).toBeTruthy();
    expect(request).toHaveBeenCalledWith("GET", "/api/v1/shared/repair-lists/tok", expect.objectContaining({ auth: false }));
    const [damp, removed] = screen.getAllByTestId("finding");
    expect(within(damp).getByRole("img", { name: "Damp under the window, photo 1. Marked: a pin" })).toBeTruthy();
    expect(within(damp).getByTestId("repair-ask").textContent).toBe("A credit off the price: £500");
    expect(removed.textContent).toBe("A finding since removed from the report.Please repair this before completion");
    expect(screen.getByTestId("repair-note").textContent).toBe("We would like these settled before exchange.");
    expect(screen.getByTestId("repair-total").textContent).toContain("Amounts asked: £500 for 1 finding; 1 other finding without an amount.");
    expect(screen.getByRole("link", { name: "Download PDF" }).getAttribute("href")).toBe(
      "/api/v1/shared/repair-lists/tok/report.pdf?tz=Asia%2FTokyo",
    );
    expect(document.body.textContent).toContain("version 2, saved 1 Dec");
    expect(document.body.textContent).not.toMatch(/\bsent\b|\bowner\b/);
    expect(screen.getByRole("heading", { name: "A note from the person who inspected this home" })).toBeTruthy();
    expect(screen.queryByTestId("repair-newer-version")).toBeNull();
    expect(screen.queryAllByRole("button").map((b) => b.getAttribute("aria-label"))).toEqual(["Open photo 1 of Damp under the window"]);
    expect(document.querySelector('meta[name="robots"]')?.getAttribute("content")).toBe("noindex, nofollow");
  });

  it("says no amount is asked, not £0, for repairs only, and an estimate of 0 when the costs are 0", async () => {
    const repairsOnly: RepairList = {
      ...list,
      items: list.items.map((item) => ({ ...item, ask: "repair", amount: null })),
      total: { ...list.total, asked: 0, findings_with_costs: 1 },
    };
    vi.spyOn(api, "request").mockResolvedValue(repairsOnly as never);
    renderAt("tok");
    const total = await screen.findByTestId("repair-total");
    expect(total.textContent).toContain("No amounts asked: 2 findings to repair or replace.");
    expect(total.textContent).not.toContain("£0 over");
    // One of the two findings has an estimate: the total is not the listed work's.
    expect(total.textContent).toContain("The person who inspected this home estimates the work on 1 of the 2 findings at £0 (the other has no estimate): estimates, not quotes.");
  });

  it("says a newer version was made, without linking to it", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ ...list, newer_version: true } as never);
    renderAt("tok");
    const notice = await screen.findByTestId("repair-newer-version");
    expect(notice.textContent).toContain("A newer version of this list has been made since.");
    expect(within(notice).queryByRole("link")).toBeNull();
  });

  it("says the link expired or was revoked on a 404", async () => {
    vi.spyOn(api, "request").mockRejectedValue(new ApiError(404, "gone"));
    renderAt("old");
    expect(await screen.findByRole("heading", { name: "Link expired or revoked" })).toBeTruthy();
    expect(screen.getByText("Ask the person who shared this repair list for a new link.")).toBeTruthy();
  });
});
