import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CostTotals } from "./ReportFrame";
import type { Report } from "./reviewApi";

describe("the cost totals by trade", () => {
  it("names the findings without a trade as the PDF does, capitalised as the trades are", () => {
    const costs = {
      low: 400,
      high: 900,
      currency: "GBP",
      by_trade: { electrician: { low: 300, high: 500, count: 1 }, unassigned: { low: 100, high: 400, count: 2 } },
      by_severity: { major: { low: 400, high: 900, count: 3 } },
      findings_with_costs: 3,
      findings_without_costs: 0,
    } as unknown as Report["costs"];
    render(<CostTotals costs={costs} />);
    const trades = within(screen.getByRole("heading", { name: "By trade" }).parentElement as HTMLElement);
    expect(trades.getAllByRole("term").map((term) => term.textContent)).toEqual(["Electrician", "No trade named"]);
  });
});
