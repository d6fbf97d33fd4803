import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import SharedReportPage from "./SharedReportPage";
import { api, ApiError } from "../lib/api";
import type { SharedReport } from "../lib/account";
import { urlBase64ToBytes } from "../lib/push";

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
        checklist: { damp: { ...answer("Yes", true), title: "Signs of damp" } },
        products: {},
        images: [{ id: "i1", url: "/api/v1/images/i1/content?sig", thumbnail_url: "/api/v1/images/i1/thumbnail?sig" }],
      },
    ],
    findings: [],
    finding_counts: {},
    pros: ["Bright"],
    cons: [],
    summary: "A detached house.",
    assessed: { total: 1, by_person: 0, by_model: 1 },
  },
} as unknown as SharedReport;

function renderAt(token: string) {
  return render(
    <MemoryRouter initialEntries={[`/shared/${token}`]}>
      <Routes>
        <Route path="/shared/:token" element={<SharedReportPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => vi.restoreAllMocks());

describe("SharedReportPage", () => {
  it("shows the report read-only, without signing in", async () => {
    const request = vi.spyOn(api, "request").mockResolvedValue(shared);
    renderAt("tok");
    expect(await screen.findByRole("heading", { name: "14 Maple Grove" })).toBeTruthy();
    expect(request).toHaveBeenCalledWith("GET", "/api/v1/shared/tok", expect.objectContaining({ auth: false }));
    expect(screen.getByText("Signs of damp")).toBeTruthy();
    expect(screen.getByRole("img", { name: "Kitchen photo" }).getAttribute("src")).toContain("/thumbnail");
    expect(screen.queryAllByRole("button")).toHaveLength(0);
    expect(document.querySelector('meta[name="robots"]')?.getAttribute("content")).toBe("noindex, nofollow");
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
