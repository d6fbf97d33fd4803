import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import RegionSettings from "./RegionSettings";
import { api, ApiError } from "../../lib/api";
import { withQueries } from "../../test-utils";

afterEach(() => vi.restoreAllMocks());

/** A server that has GBP and Europe/London saved and takes every change; the PUTs it was sent. */
function mockServer(): [string, unknown][] {
  const puts: [string, unknown][] = [];
  vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
    if (method === "PUT") {
      puts.push([url, options?.body]);
      return (url.endsWith("/cost-preferences") ? { currency: "GBP", cost_factor: 1 } : options?.body) as never;
    }
    if (url.endsWith("/me/cost-preferences")) return { currency: "GBP", cost_factor: 1 } as never;
    return { currency: "GBP", time_zone: "Europe/London" } as never;
  });
  return puts;
}

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
    expect((await screen.findByRole("alert")).textContent).toBe("The regional factor must be between 0.2 and 5.");
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
        if (body.currency === "XDR") {
          const msg = "'XDR' is not an ISO 4217 currency code, such as EUR, GBP or USD";
          throw new ApiError(422, [{ loc: ["body", "currency"], msg, type: "unknown_currency", input: "XDR" }], undefined, "invalid_input");
        }
        return (url.endsWith("/cost-preferences") ? { currency: "GBP", cost_factor: 1.1 } : body) as never;
      }
      if (url.endsWith("/me/cost-preferences")) return { currency: "GBP", cost_factor: 1.1 } as never;
      return { currency: "GBP", time_zone: "Europe/London" } as never;
    });
    render(withQueries(<RegionSettings />));
    const currency = (await screen.findByRole("combobox", { name: "Currency" })) as HTMLSelectElement;
    await waitFor(() => expect(currency.value).toBe("GBP"));

    // The browser's list may hold a code the server no longer takes: the server has the last word.
    fireEvent.change(currency, { target: { value: "XDR" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const problem = await screen.findByRole("alert");
    expect(problem.textContent).toBe("'XDR' is not an ISO 4217 currency code, such as EUR, GBP or USD");
    expect(problem.id).toBe("currency-problem");
    expect(currency.getAttribute("aria-invalid")).toBe("true");
    expect(currency.getAttribute("aria-describedby")).toBe("currency-problem");
    expect(puts).toEqual([["/api/v1/me/preferences", { currency: "XDR", time_zone: "Europe/London" }]]);

    fireEvent.change(currency, { target: { value: "EUR" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(currency.hasAttribute("aria-invalid")).toBe(false);
  });

  it("offers the currencies by name, so a name cannot be cut to a code that is none", async () => {
    vi.spyOn(api, "userId").mockReturnValue("by-name");
    mockServer();
    render(withQueries(<RegionSettings />));
    const currency = (await screen.findByRole("combobox", { name: "Currency" })) as HTMLSelectElement;
    await waitFor(() => expect(currency.value).toBe("GBP"));
    expect(currency.tagName).toBe("SELECT");
    const labels = [...currency.options].map((option) => option.textContent);
    expect(labels).toContain("GBP — British Pound");
    expect(labels).toContain("EUR — Euro");
    expect(currency.selectedOptions[0].textContent).toBe("GBP — British Pound");
  });

  it("takes a city for the time zone and saves the zone it names", async () => {
    vi.spyOn(api, "userId").mockReturnValue("by-city");
    const puts = mockServer();
    render(withQueries(<RegionSettings />));
    const zone = (await screen.findByLabelText("Time zone")) as HTMLInputElement;
    await waitFor(() => expect(zone.value).toBe("Europe/London"));

    fireEvent.change(zone, { target: { value: "new york" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(puts[0]).toEqual(["/api/v1/me/preferences", { currency: "GBP", time_zone: "America/New_York" }]);
    expect(zone.value).toBe("America/New_York");
  });

  it("says every problem at once before anything is sent", async () => {
    vi.spyOn(api, "userId").mockReturnValue("all-at-once");
    const puts = mockServer();
    render(withQueries(<RegionSettings />));
    const zone = (await screen.findByLabelText("Time zone")) as HTMLInputElement;
    await waitFor(() => expect(zone.value).toBe("Europe/London"));

    fireEvent.change(zone, { target: { value: "Atlantisville" } });
    fireEvent.change(screen.getByLabelText("Regional cost factor"), { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("No time zone matches “Atlantisville”");
    expect(alert.textContent).toContain("The regional factor must be between 0.2 and 5.");
    expect(puts).toEqual([]);
  });

  it("lets the person pick when what was typed matches several time zones", async () => {
    vi.spyOn(api, "userId").mockReturnValue("several");
    const puts = mockServer();
    render(withQueries(<RegionSettings />));
    const zone = (await screen.findByLabelText("Time zone")) as HTMLInputElement;
    await waitFor(() => expect(zone.value).toBe("Europe/London"));

    fireEvent.change(zone, { target: { value: "Indiana" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Several time zones match “Indiana”");
    expect(puts).toEqual([]);
    const choices = screen.getByRole("group", { name: "Which time zone?" });
    fireEvent.click(within(choices).getByRole("button", { name: "America/Indiana/Vincennes" }));
    expect(zone.value).toBe("America/Indiana/Vincennes");

    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(puts[0]).toEqual(["/api/v1/me/preferences", { currency: "GBP", time_zone: "America/Indiana/Vincennes" }]);
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

    fireEvent.change(currency, { target: { value: "EUR" } });
    const note = screen.getByText(/not converted/);
    expect(note.textContent).toContain("they will read in EUR instead of GBP, not converted");
    expect(currency.getAttribute("aria-describedby")).toBe(note.id);

    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Saved."));
    expect(screen.queryByText(/not converted/)).toBeNull(); // EUR is now what the costs are in
  });
});

