import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import ShareButton from "./ShareButton";
import { accountApi } from "../../lib/account";
import { withQueries } from "../../test-utils";

const SHARE = { id: "sh1", state: "active", created_at: "2026-12-07T10:00:00Z", expires_at: "2026-12-14T10:00:00Z" };

describe("the share dialog", () => {
  afterEach(() => vi.restoreAllMocks());

  it("shows a new link once, and no longer once that link is revoked", async () => {
    let shares: (typeof SHARE)[] = [];
    vi.spyOn(accountApi, "listShares").mockImplementation(async () => ({ items: shares }) as never);
    vi.spyOn(accountApi, "createShare").mockImplementation(async () => {
      shares = [SHARE];
      return { ...SHARE, token: "t0k3n", url: "https://housescan.test/shared/t0k3n" } as never;
    });
    const revoke = vi.spyOn(accountApi, "revokeShare").mockImplementation(async () => {
      shares = [];
      return undefined as never;
    });
    render(withQueries(<ShareButton scanId="s1" />));
    fireEvent.click(screen.getByRole("button", { name: "Share" }));
    fireEvent.click(await screen.findByRole("button", { name: "Create link" }));
    const link = (await screen.findByRole("textbox", { name: "Share link" })) as HTMLTextAreaElement;
    expect(link.value).toBe("https://housescan.test/shared/t0k3n");
    // On several lines: the whole link shows on a phone, not its first dozen characters.
    expect(link.rows).toBeGreaterThan(1);
    expect(link.readOnly).toBe(true);

    // Revoking asks first: the first press revokes nothing, Cancel keeps the link.
    fireEvent.click(await screen.findByRole("button", { name: /^Revoke the link created / }));
    expect(revoke).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(revoke).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: /^Revoke the link created / }));
    fireEvent.click(screen.getByRole("button", { name: "Revoke this link" }));
    await waitFor(() => expect(revoke).toHaveBeenCalledWith("s1", "sh1"));
    await waitFor(() => expect(screen.queryByRole("textbox", { name: "Share link" })).toBeNull());
    expect(await screen.findByText("No active links.")).toBeTruthy();
  });
});
