import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import ReportPage from "./ReportPage";
import type { ScanDetail } from "../lib/types";

vi.mock("../lib/checklists", () => ({
  checklists: {
    merged: () =>
      Promise.resolve({
        house: [{ id: "signs_of_damp", title: "Signs of damp or mould", type: "boolean" }],
        room: [{ id: "walls_condition", title: "Walls condition", type: "categorical" }],
        product: [{ id: "oven", title: "Oven or hob", type: "conditional" }],
      }),
  },
}));

const scan: ScanDetail = {
  id: "s1",
  status: "succeeded",
  error: null,
  attempts: 1,
  created_at: "2026-01-01T10:00:00Z",
  finished_at: "2026-01-01T10:01:00Z",
  detected_house_types: ["apartment", "studio"],
  house: { id: "h1", address: "5 Rose Lane", house_type: "apartment" },
  rooms: [
    {
      id: "r1",
      ordinal: 0,
      label: "Kitchen",
      detected_room_types: ["kitchen"],
      images: [{ id: "i1", room_id: "r1", width: 640, height: 480, url: "/api/v1/images/i1/content?sig=x" }],
    },
  ],
  summary: {
    summary_json: {
      result: {
        house_types: ["apartment", "studio"],
        house_type_confidence: 0.81,
        house_checklist: { booleans: { signs_of_damp: null }, unassessed: ["signs_of_damp"] },
        rooms: [
          {
            room_id: "r1",
            room_types: ["kitchen"],
            issues: { categoricals: { walls_condition: "Poor" } },
            products: { conditionals: { oven: { exists: true, condition: "Good", confidence: 0.9 } } },
          },
        ],
        summary: "A tidy flat.",
        pros_cons: { pros: ["Bright kitchen"], cons: ["Worn walls"] },
      },
      cost_info: { provider: "local", compute_seconds: 2.5 },
    },
  },
  agent_runs: [],
};

describe("ReportPage", () => {
  it("shows the house type, answers, products, pros/cons and cost", async () => {
    render(
      <MemoryRouter>
        <ReportPage scan={scan} />
      </MemoryRouter>,
    );
    expect(screen.getByRole("heading", { level: 1, name: "5 Rose Lane" })).toBeTruthy();
    expect(within(screen.getByTestId("house-type")).getByText("Apartment")).toBeTruthy();
    expect(screen.getByText("81% sure")).toBeTruthy();
    expect(screen.getByText("Also possible: Studio")).toBeTruthy();
    // Titles arrive from the merged checklists.
    expect(await screen.findByText("Signs of damp or mould")).toBeTruthy();
    expect(screen.getAllByText("Not assessed").length).toBeGreaterThan(0);
    expect(screen.getByText("Poor").className).toContain("pill-bad");
    expect(await screen.findByText("Oven or hob")).toBeTruthy();
    expect(screen.getByText("90% confidence")).toBeTruthy();
    expect(screen.getByText("Bright kitchen")).toBeTruthy();
    expect(screen.getByText("Worn walls")).toBeTruthy();
    expect(within(screen.getByTestId("cost")).getByText("2.5 s")).toBeTruthy();
    expect(screen.getByRole("img", { name: "Kitchen, photo 1" }).getAttribute("src")).toBe("/api/v1/images/i1/content?sig=x");
    expect(screen.getByRole("button", { name: "Print report" })).toBeTruthy();
  });
});
