import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import SharedReportPage from "./SharedReportPage";
import { api, ApiError } from "../../lib/api";
import type { SharedReport } from "../../lib/account";
import { setViewerTimeZone } from "../../lib/format";
import { urlBase64ToBytes } from "../../lib/push";
import { withQueries } from "../../test-utils";

function answer(text: string, value: unknown = text) {
  return { value, source: "model", photo_ids: [], text, candidates: [] } as unknown as SharedReport["report"]["house"]["house_type"];
}

const shared = {
  expires_at: "2027-01-01T00:00:00Z",
  pdf_url: "/api/v1/shared/tok/report.pdf",
  report: {
    scan_id: "s1",
    status: "succeeded",
    house: { address: "14 Maple Grove", house_type: answer("Detached house"), checklist: {} },
    rooms: [
      {
        id: "r1",
        ordinal: 0,
        label: "Kitchen",
        name: "Kitchen",
        room_type: answer("Kitchen"),
        checklist: {
          damp: { ...answer("Yes", true), title: "Signs of damp", source: "person" },
          walls: { ...answer("Not visible", "not_visible"), title: "Walls condition", source: "person" },
        },
        products: {},
        images: [
          { id: "i1", url: "/api/v1/images/i1/content?sig", thumbnail_url: "/api/v1/images/i1/thumbnail?sig" },
          { id: "i2", url: "/api/v1/images/i2/content?sig", thumbnail_url: "/api/v1/images/i2/thumbnail?sig" },
        ],
        checked: 2,
        checklist_total: 12,
      },
    ],
    findings: [
      {
        id: "f1",
        room_id: "r1",
        room_name: "Kitchen",
        title: "Damp patch under the window",
        severity: "major",
        note: null,
        photo_ids: ["i2"],
        marks: [{ photo_id: "i2", shape: "pin", x: 0.4, y: 0.6 }],
        trade: "damp_specialist",
        source: "person",
        checklist_item_id: "damp",
        created_at: "2026-12-01T10:00:00Z",
        updated_at: "2026-12-01T10:00:00Z",
      },
    ],
    finding_counts: { major: 1 },
    pros: ["Bright"],
    cons: [],
    summary: "A detached house.",
    assessed: { total: 14, by_person: 2, by_model: 1, not_assessed: 11, not_visible: 1 },
    limitations: {
      not_assessed: 11,
      not_visible: 1,
      rooms_without_photos: [],
      rooms_not_analysed: [],
      items: [
        { scope: "r1", item_id: "walls", title: "Walls condition", room_name: "Kitchen", reason: "not_visible" },
        { scope: "r1", item_id: "floor", title: "Floor condition", room_name: "Kitchen", reason: "not_assessed" },
      ],
      statement: "The person who inspected this home checked 2 of 14 items. This is not a full inspection: most of the home was not judged.",
      photo_quality: [
        { image_id: "i2", room_id: "r1", room_name: "Kitchen", flag: "blurred", sentence: "This photo looks blurred." },
        { image_id: "i2", room_id: "r1", room_name: "Kitchen", flag: "too_dark", sentence: "This photo is too dark to see much." },
      ],
    },
    costs: { low: 0, high: 0, currency: "EUR", by_trade: {}, by_severity: {}, findings_with_costs: 0, findings_without_costs: 1 },
    audience: "reader",
    scanned_at: "2026-12-01T09:00:00Z",
    updated_at: "2026-12-01T10:00:00Z",
  },
} as unknown as SharedReport;

function renderAt(token: string) {
  return render(
    withQueries(
      <MemoryRouter initialEntries={[`/shared/${token}`]}>
        <Routes>
          <Route path="/shared/:token" element={<SharedReportPage />} />
        </Routes>
      </MemoryRouter>,
    ),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
  setViewerTimeZone(null);
});

describe("SharedReportPage", () => {
  it("shows the report read-only, without signing in", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(shared);
    setViewerTimeZone("Asia/Tokyo"); // the PDF's times in the reader's zone, as the page's
    renderAt("tok");
    expect(await screen.findByRole("heading", { name: "14 Maple Grove" })).toBeTruthy();
    expect(request).toHaveBeenCalledWith("GET", "/api/v1/shared/tok", expect.objectContaining({ auth: false }));
    expect(screen.getByText("Signs of damp")).toBeTruthy();
    expect(screen.getByRole("img", { name: "Kitchen, photo 1" }).getAttribute("src")).toContain("/thumbnail");
    // Nothing to edit: the only buttons open a finding's photo.
    expect(screen.queryAllByRole("button").map((b) => b.getAttribute("aria-label"))).toEqual(["Open photo 1 of Damp patch under the window"]);
    expect(document.querySelector('meta[name="robots"]')?.getAttribute("content")).toBe("noindex, nofollow");
    expect(screen.getByRole("link", { name: "Download PDF" }).getAttribute("href")).toBe(
      "/api/v1/shared/tok/report.pdf?tz=Asia%2FTokyo",
    );
  });

  it("speaks to its reader: the finding's photo with its mark, the limitations, by the person who inspected the home", async () => {
    vi.spyOn(api, "request").mockResolvedValue(shared);
    renderAt("tok");
    const finding = await screen.findByTestId("finding");
    const photo = finding.querySelector("img") as HTMLImageElement;
    expect(photo.getAttribute("src")).toBe("/api/v1/images/i2/thumbnail?sig");
    expect(photo.getAttribute("alt")).toBe("Damp patch under the window, photo 1. Marked: a pin");
    const pin = finding.querySelector('[data-shape="pin"]') as SVGCircleElement;
    expect([pin.getAttribute("cx"), pin.getAttribute("cy")]).toEqual(["40%", "60%"]);
    expect(finding.textContent).toContain("Call: Damp specialist");
    expect(finding.textContent).not.toMatch(/Cost/);
    const limits = screen.getByTestId("limitations");
    expect(limits.textContent).toContain("This is not a full inspection");
    // Who checked: the one who inspected, never "the owner" (read as the property's owner).
    expect(within(limits).getByTestId("limitations-statement").textContent).toBe(
      "The person who inspected this home checked 2 of 14 items. This is not a full inspection: most of the home was not judged.",
    );
    expect(limits.textContent).toContain("2 items judged by the person who inspected this home");
    expect(within(limits).getByTestId("not-visible").textContent).toContain("Walls condition");
    expect(within(limits).getByTestId("not-assessed-items").textContent).toContain("Kitchen: 1 item");
    // photos that may show too little: one line a photo, where it is, its sentences
    const photos = within(limits).getByTestId("photo-quality");
    expect(photos.textContent).toContain("Photos that may show too little (1)");
    expect(within(photos).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Kitchen, photo 2: This photo looks blurred. This photo is too dark to see much.",
    ]);
    expect(screen.getAllByText("2 of 12 checked")).toHaveLength(1); // its one room
    expect(within(limits).getByTestId("checked-progress").textContent).toBe("Checklists, products apart: 2 of 12 checked");
    expect(document.body.textContent).not.toMatch(/\bthe owner\b/i);
    const page = document.body.textContent ?? "";
    expect(page).not.toMatch(/\bby you\b|\byour answer\b|\bYou\b/i);
    expect(screen.getByTestId("report-times").textContent).toMatch(/^Scanned 1 Dec 2026, \d\d:\d\d \S+ · Updated 1 Dec 2026/);
  });

  it("says the link expired or was revoked on a 404", async () => {
    vi.spyOn(api, "request").mockRejectedValue(new ApiError(404, "this link does not exist"));
    renderAt("gone");
    expect(await screen.findByRole("heading", { name: "Link expired or revoked" })).toBeTruthy();
  });
});

describe("urlBase64ToBytes", () => {
  it("decodes an unpadded base64url VAPID key", () => {
    expect(Array.from(urlBase64ToBytes("_-8"))).toEqual([0xff, 0xef]);
    expect(urlBase64ToBytes("BAAA").length).toBe(3);
  });
});
