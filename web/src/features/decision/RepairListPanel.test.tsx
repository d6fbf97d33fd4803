import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import RepairListPanel from "./RepairListPanel";
import { api } from "../../lib/api";
import type { Finding } from "../../lib/types";
import type { RepairList } from "./decisionApi";
import { withQueries } from "../../test-utils";

const AT = "2026-12-01T10:00:00Z";
const finding = (id: string, title: string, cost?: [number, number]): Finding => ({
  id,
  room_id: null,
  title,
  severity: "major",
  note: null,
  photo_ids: [],
  source: "person",
  checklist_item_id: null,
  cost_low: cost?.[0] ?? null,
  cost_high: cost?.[1] ?? null,
  created_at: AT,
  updated_at: AT,
});
const findings = [finding("f1", "Damp under the window", [300, 700]), finding("f2", "Loose handrail")];

const made = (over: Partial<RepairList["share"]> = {}): RepairList => ({
  id: "l1",
  version: 1,
  scan_id: "s1",
  address: "5 Rose Lane",
  show_estimates: false,
  newer_version: false,
  note: null,
  items: [{ finding_id: "f1", ask: "credit", amount: 500, finding: findings[0], photos: [] }],
  total: { asked: 500, cost_low: 300, cost_high: 700, currency: "GBP", findings_with_costs: 1 },
  share: {
    token: "tok-1",
    url: "http://x/api/v1/shared/repair-lists/tok-1",
    page_url: "http://x/shared/repair-lists/tok-1",
    expires_at: "2027-01-01T00:00:00Z",
    state: "active",
    opened: false,
    ...over,
  },
  created_at: AT,
  updated_at: AT,
});

afterEach(() => vi.restoreAllMocks());

describe("RepairListPanel", () => {
  it("names a credit without an amount, then sends the asks and shows the web link once", async () => {
    const calls: [string, string, unknown][] = [];
    let saved: RepairList[] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      calls.push([method, url, options?.body]);
      if (method === "GET") return { items: saved } as never;
      saved = [{ ...made(), share: { ...made().share, token: null, url: null } }];
      return made() as never;
    });
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "New repair list" }));
    const form = screen.getByRole("form", { name: "New repair list" });
    fireEvent.click(within(form).getByRole("checkbox", { name: /Damp under the window/ }));
    fireEvent.change(within(form).getByLabelText("Ask for Damp under the window"), { target: { value: "credit" } });
    expect(within(form).getByTestId("repair-draft-total").textContent).toBe("1 finding · no amounts asked · estimated £300–£700 for 1 finding with a cost");
    fireEvent.click(within(form).getByRole("button", { name: "Save and make link" }));
    expect(within(form).getByRole("alert").textContent).toBe("Damp under the window: a credit needs an amount.");
    expect(calls.filter(([method]) => method === "POST")).toEqual([]);

    fireEvent.change(within(form).getByLabelText("Amount for Damp under the window, GBP"), { target: { value: "500" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save and make link" }));
    const link = (await screen.findByLabelText("Repair list link")) as HTMLInputElement;
    // The server's page link (share.page_url), not its JSON (share.url) nor one the app builds.
    expect(link.value).toBe("http://x/shared/repair-lists/tok-1");
    expect(calls.find(([method]) => method === "POST")).toEqual([
      "POST",
      "/api/v1/scans/s1/repair-lists",
      { items: [{ finding_id: "f1", ask: "credit", amount: 500 }], note: null, show_estimates: false, expires_in_days: 30 },
    ]);
    await waitFor(() => expect(screen.getByTestId("repair-list").textContent).toMatch(/^Version 1 · saved .+ · 1 finding · asked £500/));
  });

  it("says nothing was asked of a list of repairs only, rather than 'asked £0'", async () => {
    const repairs: RepairList = { ...made(), items: [{ ...made().items[0], ask: "repair", amount: null }], total: { ...made().total, asked: 0 } };
    vi.spyOn(api, "request").mockImplementation(async () => ({ items: [repairs] }) as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    const line = await screen.findByTestId("repair-list");
    expect(line.textContent).toMatch(/^Version 1 · saved .+ · 1 finding · estimated £300–£700/);
    expect(line.textContent).not.toContain("asked");
  });

  it("says how many of the list's findings its estimate covers when some have no cost", async () => {
    const two: RepairList = {
      ...made(),
      items: [made().items[0], { ...made().items[0], finding_id: "f9", ask: "repair", amount: null }],
      total: { ...made().total, findings_with_costs: 1 },
    };
    vi.spyOn(api, "request").mockImplementation(async () => ({ items: [two] }) as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    const line = await screen.findByTestId("repair-list");
    expect(line.textContent).toMatch(/^Version 1 · saved .+ · 2 findings · asked £500 · estimated £300–£700 for 1 finding with a cost/);
  });

  it("gives a revoked list a new link: shown, copied, and the list's line says it works again", async () => {
    const calls: [string, string][] = [];
    let state: RepairList["share"]["state"] = "revoked";
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      calls.push([method, url]);
      if (method === "POST") {
        state = "active";
        return {
          ...made().share,
          token: "tok-2",
          url: "http://x/api/v1/shared/repair-lists/tok-2",
          page_url: "http://x/shared/repair-lists/tok-2",
        } as never;
      }
      return { items: [made({ token: null, url: null, page_url: null, state })] } as never;
    });
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    expect((await screen.findByTestId("repair-list")).textContent).toContain("Link revoked: “New link” shares this version again");
    expect(screen.queryByRole("button", { name: "Revoke link" })).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "New link to version 1" }));
    const link = (await screen.findByLabelText("Repair list link")) as HTMLInputElement;
    const page = "http://x/shared/repair-lists/tok-2";
    expect(link.value).toBe(page);
    expect(writeText).toHaveBeenCalledWith(page);
    expect(within(screen.getByTestId("repair-list-link")).getByRole("button", { name: "Copied" })).toBeTruthy();
    expect(calls).toContainEqual(["POST", "/api/v1/scans/s1/repair-lists/l1/share"]);
    await waitFor(() => expect(screen.getByTestId("repair-list").textContent).toContain("Not opened yet"));
    // An active link is replaced only once the person confirms: the old one stops working.
    fireEvent.click(screen.getByRole("button", { name: "New link" }));
    expect(screen.getByRole("button", { name: "Replace version 1’s link" })).toBeTruthy();
  });

  it("says a change to a list a reader opened makes the next version", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ items: [made({ token: null, opened: true })] } as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "Edit version 1" }));
    const form = await screen.findByRole("form", { name: "Edit repair list, version 1" });
    expect(form.textContent).toContain("saving makes version 2 with a new link; the old link keeps what was sent");
    expect((within(form).getByLabelText("Amount for Damp under the window, GBP") as HTMLInputElement).value).toBe("500");
  });

  it("says a list saved in another currency is not converted when it is edited in the account's currency now", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ items: [made({ token: null, opened: true })] } as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="USD" />));
    fireEvent.click(await screen.findByRole("button", { name: "Edit version 1" }));
    const form = await screen.findByRole("form", { name: "Edit repair list, version 1" });
    expect(form.textContent).toContain("Version 1 was saved in GBP; what you save now is in USD, your account’s currency. Amounts are not converted");
  });

  it("says nothing of currency when the list is in the account's", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ items: [made({ token: null, opened: true })] } as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "Edit version 1" }));
    const form = await screen.findByRole("form", { name: "Edit repair list, version 1" });
    expect(form.textContent).not.toContain("not converted");
  });

  it("leaves a finding deleted since out of the next version: ticked, counted and sent agree", async () => {
    const calls: [string, string, unknown][] = [];
    const deleted = { ...findings[1], id: "f0", title: "Loose tile" };
    const sent: RepairList = {
      ...made({ token: null, opened: true }),
      items: [made().items[0], { finding_id: "f0", ask: "credit", amount: 80, finding: deleted, photos: [] }],
      total: { ...made().total, asked: 580 },
    };
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string, options?: { body?: unknown }) => {
      calls.push([method, url, options?.body]);
      return (method === "GET" ? { items: [sent] } : { ...sent, version: 2, items: [sent.items[0]] }) as never;
    });
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "Edit version 1" }));
    const form = await screen.findByRole("form", { name: "Edit repair list, version 1" });
    expect(within(form).getAllByRole("checkbox", { checked: true }).map((box) => box.closest("label")?.textContent)).toEqual([
      expect.stringContaining("Damp under the window"),
    ]);
    expect(within(form).getByTestId("repair-draft-total").textContent).toMatch(/^1 finding · asked £500/);
    expect(form.textContent).toContain("1 finding on version 1 was deleted from the report since: “Loose tile”. Left out of this list; version 1 keeps it as sent.");
    fireEvent.click(within(form).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(calls.find(([method]) => method === "PATCH")?.[2]).toEqual({
      items: [{ finding_id: "f1", ask: "credit", amount: 500 }],
      note: null,
      show_estimates: false,
    }));
  });

  it("warns of an amount far above the estimate, still saves it, and sends the estimates only when ticked", async () => {
    const calls: [string, unknown][] = [];
    vi.spyOn(api, "request").mockImplementation(async (method: string, _url: string, options?: { body?: unknown }) => {
      calls.push([method, options?.body]);
      return (method === "GET" ? { items: [] } : made()) as never;
    });
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "New repair list" }));
    const form = screen.getByRole("form", { name: "New repair list" });
    fireEvent.click(within(form).getByRole("checkbox", { name: /Damp under the window/ }));
    fireEvent.change(within(form).getByLabelText("Ask for Damp under the window"), { target: { value: "credit" } });
    const amount = within(form).getByLabelText("Amount for Damp under the window, GBP");
    fireEvent.change(amount, { target: { value: "7000" } });
    expect(form.textContent).not.toContain("far above");
    fireEvent.change(amount, { target: { value: "99999999" } });
    expect(form.textContent).toContain("Damp under the window: £99,999,999 is far above your estimate (up to £700).");
    // Said under the field itself too (on a phone the form's end is out of sight), and read with it.
    const beside = within(form).getByTestId("amount-far-above");
    expect(amount.getAttribute("aria-describedby")).toBe(beside.id);
    fireEvent.click(within(form).getByRole("checkbox", { name: /Show my cost estimates to the reader/ }));
    fireEvent.click(within(form).getByRole("button", { name: "Save and make link" }));
    await waitFor(() => expect(calls.find(([method]) => method === "POST")?.[1]).toMatchObject({ show_estimates: true, items: [{ amount: 99999999 }] }));
  });

  it("lists the earlier versions with their own PDF and CSV", async () => {
    const versions = [
      { version: 1, created_at: AT, updated_at: AT, opened: true, state: "active" },
      { version: 2, created_at: AT, updated_at: AT, opened: false, state: "active" },
    ];
    vi.spyOn(api, "request").mockResolvedValue({ items: [{ ...made({ token: null }), version: 2, versions }] } as never);
    const download = vi.spyOn(api, "download").mockResolvedValue({ blob: new Blob(["x"]), filename: "repair-list-l1-v1.pdf" });
    Object.defineProperty(URL, "createObjectURL", { value: () => "blob:x", configurable: true });
    Object.defineProperty(URL, "revokeObjectURL", { value: () => undefined, configurable: true });
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    const earlier = await screen.findByTestId("repair-list-versions");
    expect(earlier.textContent).toMatch(/^Earlier versions \(1\)Version 1 · saved .+ · opened by a reader/);
    fireEvent.click(within(earlier).getByRole("button", { name: "PDF of version 1" }));
    await waitFor(() => expect(download).toHaveBeenCalledWith("/api/v1/scans/s1/repair-lists/l1/report.pdf?version=1"));
    fireEvent.click(within(earlier).getByRole("button", { name: "CSV of version 1" }));
    await waitFor(() => expect(download).toHaveBeenCalledWith("/api/v1/scans/s1/repair-lists/l1.csv?version=1"));
  });

  it("moves the focus into the form when it opens and back to what opened it when it closes", async () => {
    vi.spyOn(api, "request").mockResolvedValue({ items: [made({ token: null, opened: false })] } as never);
    render(withQueries(<RepairListPanel scanId="s1" findings={findings} currency="GBP" />));
    fireEvent.click(await screen.findByRole("button", { name: "New repair list" }));
    const form = await screen.findByRole("form", { name: "New repair list" });
    await waitFor(() => expect(form.contains(document.activeElement)).toBe(true));
    fireEvent.click(within(form).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "New repair list" })));

    fireEvent.click(screen.getByRole("button", { name: "Edit version 1" }));
    const edited = await screen.findByRole("form", { name: "Edit repair list, version 1" });
    await waitFor(() => expect(edited.contains(document.activeElement)).toBe(true));
    fireEvent.click(within(edited).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit version 1" })));
  });
});
