import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import ComparePage from "./ComparePage";
import { api } from "../../lib/api";
import type { ComparedScan } from "./decisionApi";
import { withQueries } from "../../test-utils";

const home = (id: string, over: Partial<ComparedScan>): ComparedScan => ({
  scan_id: id,
  address: `${id} Lane`,
  scanned_at: "2026-12-06T11:00:00Z",
  house_type: { value: null, source: "model", text: "Not assessed" },
  rooms: 2,
  room_names: ["Kitchen", "Bathroom"],
  findings_by_severity: {},
  cost: { low: 0, high: 0, currency: "GBP", findings_with_costs: 0, findings_without_costs: 0 },
  assessed: { total: 40, by_person: 10, by_model: 20, not_assessed: 10, not_seen: 0, not_visible: 0 },
  pros: [],
  cons: [],
  rating: null,
  note: null,
  ...over,
});

afterEach(() => vi.restoreAllMocks());

describe("ComparePage", () => {
  it("shows each home's aspects, says who gave the house type or that it is not determined, and saves a rating", async () => {
    const calls: [string, string, unknown][] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      calls.push([method, url, options?.body]);
      if (url.endsWith("/me/preferences")) return { currency: "GBP", time_zone: "Europe/London" } as never;
      if (url.startsWith("/api/v1/compare")) {
        return {
          scans: [
            home("Oak", {
              house_type: { value: "villa", source: "person", text: "Villa" },
              findings_by_severity: { safety: 1 },
              cost: { low: 300, high: 700, currency: "GBP", findings_with_costs: 1, findings_without_costs: 1 },
              rating: 2,
            }),
            home("Elm", {}),
          ],
        } as never;
      }
      if (method === "PUT") return { scan_id: "Elm", rating: 5, note: null } as never;
      throw new Error(`unexpected ${method} ${url}`);
    });
    render(
      withQueries(
        <MemoryRouter initialEntries={["/compare?scan_ids=Oak,Elm"]}>
          <ComparePage />
        </MemoryRouter>,
      ),
    );
    const [oak, elm] = await screen.findAllByTestId("compare-home");
    expect(calls.find(([, url]) => url.startsWith("/api/v1/compare"))?.[1]).toBe("/api/v1/compare?scan_ids=Oak%2CElm");
    expect(oak.textContent).toContain("Villa · by you");
    expect(elm.textContent).toContain("House typeNot determined");
    expect(within(oak).getByTestId("compare-cost").textContent).toBe("£300–£700 over 1 finding; 1 without a cost");
    expect(within(elm).getByTestId("compare-assessed").textContent).toContain("30 of 40 items");
    expect((within(oak).getByRole("radio", { name: "2 of 5" }) as HTMLInputElement).checked).toBe(true);

    const rating = within(elm).getByRole("group", { name: "Your rating of Elm Lane" });
    fireEvent.click(within(rating).getByRole("radio", { name: "5 of 5" }));
    expect(await within(elm).findByText("Rated 5 of 5")).toBeTruthy();
    expect(calls.find(([method]) => method === "PUT")).toEqual(["PUT", "/api/v1/scans/Elm/verdict", { rating: 5 }]);
  });

  it("titles each home with its address and when the scan was made, so two scans of one home are told apart", async () => {
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      if (url.endsWith("/me/preferences")) return { currency: "GBP", time_zone: "Europe/London" } as never;
      if (url.startsWith("/api/v1/compare")) {
        const address = "12 Harbour View, Flat 3";
        return {
          scans: [
            home("Morning", { address, scanned_at: "2026-12-07T09:30:00Z" }),
            home("Afternoon", { address, scanned_at: "2026-12-07T14:05:00Z" }),
          ],
        } as never;
      }
      throw new Error(`unexpected ${method} ${url}`);
    });
    render(
      withQueries(
        <MemoryRouter initialEntries={["/compare?scan_ids=Morning,Afternoon"]}>
          <ComparePage />
        </MemoryRouter>,
      ),
    );
    expect(await screen.findByRole("heading", { name: "12 Harbour View, Flat 3 · 7 Dec 2026, 09:30 GMT" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "12 Harbour View, Flat 3 · 7 Dec 2026, 14:05 GMT" })).toBeTruthy();
  });

  it("counts as answered only what the person or the models answered, not the products looked for and not seen", async () => {
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      if (url.endsWith("/me/preferences")) return { currency: "EUR", time_zone: "UTC" } as never;
      if (url.startsWith("/api/v1/compare")) {
        // As a report reads "You checked 1 of 53 items; the image models answered 0 more".
        const assessed = { total: 53, by_person: 1, by_model: 0, not_assessed: 36, not_seen: 16, not_visible: 0 };
        return { scans: [home("Acacia", { assessed }), home("Mill", {})] } as never;
      }
      throw new Error(`unexpected ${method} ${url}`);
    });
    render(
      withQueries(
        <MemoryRouter initialEntries={["/compare?scan_ids=Acacia,Mill"]}>
          <ComparePage />
        </MemoryRouter>,
      ),
    );
    const [acacia] = await screen.findAllByTestId("compare-home");
    const assessed = within(acacia).getByTestId("compare-assessed");
    expect(assessed.textContent).toBe(
      "1 of 53 items answered (by you: 1, by the models: 0); 16 products looked for and not seen; 36 not assessed",
    );
    expect(within(assessed).getByRole("progressbar", { name: "Acacia Lane: 1 of 53 answered" }).getAttribute("value")).toBe("1");
  });

  it("asks for two to four scans when fewer are named", () => {
    render(
      withQueries(
        <MemoryRouter initialEntries={["/compare?scan_ids=Oak"]}>
          <ComparePage />
        </MemoryRouter>,
      ),
    );
    expect(screen.getByText("Pick 2 to 4 of your scans on the scans page to compare them.")).toBeTruthy();
  });
});
