import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import Layout, { useOfflineText } from "./Layout";
import { AuthProvider } from "../lib/auth";

function PageWithItsOwnOfflineText() {
  useOfflineText("You are offline. This page says something else.");
  return <p>a page</p>;
}

function inLayout(page: ReactNode) {
  return (
    <AuthProvider>
      <MemoryRouter>
        <Layout>{page}</Layout>
      </MemoryRouter>
    </AuthProvider>
  );
}

describe("the offline banner", () => {
  beforeEach(() => {
    vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
  });
  afterEach(() => vi.restoreAllMocks());

  it("says that reports opened before are still available, on a page that says nothing else", () => {
    render(inLayout(<p>a page</p>));
    expect(screen.getByRole("status").textContent).toBe("You are offline. Reports you have opened before are still available.");
  });

  it("says what the page shown asks for, and the usual text again once it is gone", () => {
    const { rerender } = render(inLayout(<PageWithItsOwnOfflineText />));
    expect(screen.getByRole("status").textContent).toBe("You are offline. This page says something else.");
    rerender(inLayout(<p>another page</p>));
    expect(screen.getByRole("status").textContent).toBe("You are offline. Reports you have opened before are still available.");
  });
});
