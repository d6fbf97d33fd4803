import { fireEvent, render, screen, waitFor } from "@testing-library/react";
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
});
