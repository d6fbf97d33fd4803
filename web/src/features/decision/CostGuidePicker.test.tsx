import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import CostGuidePicker from "./CostGuidePicker";
import { decisionApi, type CostGuideRow } from "./decisionApi";
import { withQueries } from "../../test-utils";

function row(inAccountCurrency: boolean): CostGuideRow {
  return {
    id: "plumber-tap",
    job: "Replace a tap",
    trade: "plumber",
    low: 100,
    high: 200,
    guide_low: 100,
    guide_high: 200,
    currency: "GBP",
    in_account_currency: inAccountCurrency,
    year: 2025,
    source: { title: "A guide", url: "https://example.org/guide" },
  } as unknown as CostGuideRow;
}

async function openGuide(rows: CostGuideRow[]) {
  vi.spyOn(decisionApi, "costGuide").mockResolvedValue({ note: "Typical UK prices.", cost_factor: 1, rows } as never);
  const onTake = vi.fn();
  render(withQueries(<MemoryRouter><CostGuidePicker trade="plumber" onTake={onTake} /></MemoryRouter>));
  fireEvent.click(screen.getByRole("button", { name: "Suggest from cost guide" }));
  await screen.findByTestId("cost-guide-row");
  return onTake;
}

describe("the cost guide", () => {
  afterEach(() => vi.restoreAllMocks());

  it("in another currency says so once and points to Settings, and fills nothing in", async () => {
    await openGuide([row(false)]);
    const note = screen.getByTestId("cost-guide-currency");
    expect(note.textContent).toContain("The guide is in GBP, not your account’s currency");
    expect(screen.getByRole("link", { name: "Settings" }).getAttribute("href")).toBe("/settings");
    expect(screen.queryByRole("button", { name: /Use Replace a tap/ })).toBeNull();
  });

  it("in the account's currency offers each estimate and no currency note", async () => {
    const onTake = await openGuide([row(true)]);
    expect(screen.queryByTestId("cost-guide-currency")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /Use Replace a tap/ }));
    expect(onTake).toHaveBeenCalledWith({ id: "plumber-tap", low: 100, high: 200 });
  });

  it("with no job of the finding's trade says the guide has none yet, and with a search that nothing matches", async () => {
    vi.spyOn(decisionApi, "costGuide").mockResolvedValue({ note: "Typical UK prices.", cost_factor: 1, rows: [] } as never);
    render(withQueries(<MemoryRouter><CostGuidePicker trade="plumber" onTake={vi.fn()} /></MemoryRouter>));
    fireEvent.click(screen.getByRole("button", { name: "Suggest from cost guide" }));
    expect((await screen.findByTestId("cost-guide-empty")).textContent).toContain("The guide has no Plumber jobs yet");
    expect(screen.queryByRole("searchbox")).toBeNull(); // nothing of that trade to search
  });

  it("with a search that nothing matches says so and keeps the search box", async () => {
    vi.spyOn(decisionApi, "costGuide").mockImplementation(async (_trade, q) => ({ note: "Typical UK prices.", cost_factor: 1, rows: q ? [] : [row(true)] }) as never);
    render(withQueries(<MemoryRouter><CostGuidePicker trade="plumber" onTake={vi.fn()} /></MemoryRouter>));
    fireEvent.click(screen.getByRole("button", { name: "Suggest from cost guide" }));
    await screen.findByTestId("cost-guide-row");
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "boiler" } });
    expect(await screen.findByText("No job in the guide matches. Type the range yourself.")).toBeTruthy();
    expect(screen.getByRole("searchbox")).toBeTruthy();
  });
});
