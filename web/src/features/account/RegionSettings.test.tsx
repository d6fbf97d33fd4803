import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import RegionSettings from "./RegionSettings";
import { api } from "../../lib/api";
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
});
