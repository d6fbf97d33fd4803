import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import RegionSettings from "./RegionSettings";
import { api, ApiError } from "../../lib/api";
import { withQueries } from "../../test-utils";

afterEach(() => vi.restoreAllMocks());

describe("RegionSettings", () => {
  it("edits the currency and the regional cost factor together, and names a factor out of range", async () => {
    const puts: [string, unknown][] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      if (method === "PUT") {
        puts.push([url, options?.body]);
        return (url.endsWith("/cost-preferences") ? { currency: "GBP", cost_factor: 1.25 } : options?.body) as never;
      }
      if (url.endsWith("/me/cost-preferences")) return { currency: "GBP", cost_factor: 1.1 } as never;
      return { currency: "GBP", time_zone: "Europe/London" } as never;
    });
    render(withQueries(<RegionSettings />));
    const factor = (await screen.findByLabelText("Regional cost factor")) as HTMLInputElement;
    await waitFor(() => expect(factor.value).toBe("1.1"));

    fireEvent.change(factor, { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toBe("The regional factor is between 0.2 and 5.");
    expect(puts).toEqual([]);

    fireEvent.change(factor, { target: { value: "1.25" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("cost guide figures are multiplied by 1.25"));
    expect(puts).toEqual([
      ["/api/v1/me/preferences", { currency: "GBP", time_zone: "Europe/London" }],
      ["/api/v1/me/cost-preferences", { cost_factor: 1.25 }],
    ]);
  });

  it("says beside the currency field why the server refused its code, and saves nothing else after it", async () => {
    const puts: [string, unknown][] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      if (method === "PUT") {
        puts.push([url, options?.body]);
        const body = options?.body as { currency?: string };
        if (body.currency === "XYZ") {
          const msg = "'XYZ' is not an ISO 4217 currency code, such as EUR, GBP or USD";
          throw new ApiError(422, [{ loc: ["body", "currency"], msg, type: "unknown_currency", input: "XYZ" }], undefined, "invalid_input");
        }
        return (url.endsWith("/cost-preferences") ? { currency: "GBP", cost_factor: 1.1 } : body) as never;
      }
      if (url.endsWith("/me/cost-preferences")) return { currency: "GBP", cost_factor: 1.1 } as never;
      return { currency: "GBP", time_zone: "Europe/London" } as never;
    });
    render(withQueries(<RegionSettings />));
    const currency = (await screen.findByLabelText("Currency")) as HTMLInputElement;
    await waitFor(() => expect(currency.value).toBe("GBP"));

    fireEvent.change(currency, { target: { value: "xyz" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const problem = await screen.findByRole("alert");
    expect(problem.textContent).toBe("'XYZ' is not an ISO 4217 currency code, such as EUR, GBP or USD");
    expect(problem.id).toBe("currency-problem");
    expect(currency.getAttribute("aria-invalid")).toBe("true");
    expect(currency.getAttribute("aria-describedby")).toBe("currency-problem");
    expect(puts).toEqual([["/api/v1/me/preferences", { currency: "XYZ", time_zone: "Europe/London" }]]);

    fireEvent.change(currency, { target: { value: "EUR" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(currency.hasAttribute("aria-invalid")).toBe(false);
  });

  it("says before a new currency is saved that recorded costs are relabelled, not converted", async () => {
    vi.spyOn(api, "userId").mockReturnValue("someone-else"); // not the preferences an earlier test saved
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      if (method === "PUT") return (url.endsWith("/cost-preferences") ? { currency: "GBP", cost_factor: 1 } : options?.body) as never;
      if (url.endsWith("/me/cost-preferences")) return { currency: "GBP", cost_factor: 1 } as never;
      return { currency: "GBP", time_zone: "Europe/London" } as never;
    });
    render(withQueries(<RegionSettings />));
    const currency = (await screen.findByLabelText("Currency")) as HTMLInputElement;
    await waitFor(() => expect(currency.value).toBe("GBP"));
    expect(screen.queryByText(/not converted/)).toBeNull();

    fireEvent.change(currency, { target: { value: "eur" } });
    const note = screen.getByText(/not converted/);
    expect(note.textContent).toContain("they will read in EUR instead of GBP, not converted");
    expect(currency.getAttribute("aria-describedby")).toBe(note.id);

    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(screen.queryByText(/not converted/)).toBeNull(); // EUR is now what the costs are in
  });
});

