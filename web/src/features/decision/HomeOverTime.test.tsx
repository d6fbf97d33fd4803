import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import HomeOverTime from "./HomeOverTime";
import { api } from "../../lib/api";
import type { ScanDetail } from "../../lib/types";
import { withQueries } from "../../test-utils";

const scan = {
  id: "s1",
  created_at: "2026-12-07T10:00:00Z",
  house: { id: "h1", address: "12 Elm Street" },
  rooms: [{ label: "Kitchen" }, { label: " " }],
} as unknown as ScanDetail;

function scanAgain(houseTypeByPerson: "apartment" | null): Promise<unknown> {
  const created = new Promise<unknown>((resolve) => {
    vi.spyOn(api, "createScan").mockImplementation(async (body) => {
      resolve(body);
      return { id: "s2" } as never;
    });
  });
  vi.spyOn(api, "request").mockResolvedValue({ items: [], next_cursor: null } as never);
  render(
    withQueries(
      <MemoryRouter>
        <HomeOverTime scan={scan} houseTypeByPerson={houseTypeByPerson} />
      </MemoryRouter>,
    ),
  );
  fireEvent.click(screen.getByRole("button", { name: "Scan this home again" }));
  return created;
}

afterEach(() => vi.restoreAllMocks());

describe("HomeOverTime", () => {
  it("starts the new scan with the same rooms and the house type the person gave, not asked again", async () => {
    const body = await scanAgain("apartment");
    await waitFor(() => expect(body).toEqual({ house_id: "h1", rooms: [{ label: "Kitchen" }, {}], house_type: "apartment" }));
  });

  it("leaves the house type to the new scan when no person gave it (a model's guess is not carried over)", async () => {
    expect(await scanAgain(null)).toEqual({ house_id: "h1", rooms: [{ label: "Kitchen" }, {}] });
  });

  it("links an earlier scan to each later scan of the home and to what changed since it; the earlier scan links back", async () => {
    const listed = (id: string, created_at: string, status = "succeeded") =>
      ({ id, house_id: "h1", status, created_at, scanned_at: created_at }) as never;
    vi.spyOn(api, "request").mockResolvedValue({
      items: [listed("s3", "2026-12-09T10:00:00Z", "draft"), listed("s2", "2026-12-08T10:00:00Z"), listed("s1", "2026-12-07T10:00:00Z"), listed("s0", "2026-12-01T10:00:00Z")],
      next_cursor: null,
    } as never);
    render(
      withQueries(
        <MemoryRouter>
          <HomeOverTime scan={scan} houseTypeByPerson={null} />
        </MemoryRouter>,
      ),
    );
    const later = await screen.findByTestId("later-scans");
    const [next, draft] = within(later).getAllByRole("listitem");
    expect(next.textContent).toMatch(/^A later scan of this home: 8 Dec 2026, \d\d:\d\d \S+ — see what changed$/);
    expect(within(next).getAllByRole("link").map((link) => link.getAttribute("href"))).toEqual(["/scans/s2", "/scans/s2/changes?since=s1"]);
    // A later scan not analysed yet has nothing to compare: it is only linked.
    expect(draft.textContent).toMatch(/\(not finished yet\)$/);
    expect(within(draft).getAllByRole("link").map((link) => link.getAttribute("href"))).toEqual(["/scans/s3"]);
    // The other way still: what changed since the earlier scan.
    expect(screen.getByRole("link", { name: "Changes since then" }).getAttribute("href")).toBe("/scans/s1/changes?since=s0");
  });
});
