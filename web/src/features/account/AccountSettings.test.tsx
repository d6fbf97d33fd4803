import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ReactNode } from "react";
import { MemoryRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import AccountSettings from "./AccountSettings";
import LoginPage from "./LoginPage";
import { accountApi } from "../../lib/account";
import { ApiError } from "../../lib/api";
import { useAuth } from "../../lib/auth";

// Signing out changes the status the guards read at once, outside any transition, as the real provider does.
const session = vi.hoisted(() => {
  let status: "signedIn" | "signedOut" = "signedIn";
  const listeners = new Set<() => void>();
  return {
    status: () => status,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    set(next: "signedIn" | "signedOut") {
      status = next;
      listeners.forEach((listener) => listener());
    },
  };
});
const logout = vi.fn(() => session.set("signedOut"));
vi.mock("../../lib/auth", async () => {
  const { useEffect, useState } = await import("react");
  function useAuth() {
    const [status, setStatus] = useState(session.status);
    useEffect(() => session.subscribe(() => setStatus(session.status())), []);
    return { status, logout, login: async () => undefined };
  }
  return { useAuth };
});

afterEach(() => {
  vi.restoreAllMocks();
  logout.mockClear();
  session.set("signedIn");
});

/** As the app guards its pages: signed out, a page sends to sign-in with the way back. */
function SignedIn({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "signedOut") return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  return <>{children}</>;
}

function Where() {
  const location = useLocation();
  return <p data-testid="where">{location.pathname + location.search}</p>;
}

/** The settings as the app routes them, with the sign-in page a deleted account lands on. */
function renderSettings() {
  return render(
    <MemoryRouter initialEntries={["/settings"]}>
      <Routes>
        <Route path="/settings" element={<SignedIn><AccountSettings /></SignedIn>} />
        <Route path="/login" element={<LoginPage />} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

const wrongPassword = () => new ApiError(403, "the password is wrong", undefined, "wrong_password");

const passwordForm = () => screen.getByRole("form", { name: "Change password" });
const field = (autocomplete: "current-password" | "new-password") =>
  passwordForm().querySelector<HTMLInputElement>(`input[autocomplete="${autocomplete}"]`)!;

describe("changing the password", () => {
  it("says a wrong current password in a sentence, and forgets it once a field is edited", async () => {
    vi.spyOn(accountApi, "changePassword").mockRejectedValue(wrongPassword());
    renderSettings();
    fireEvent.change(field("current-password"), { target: { value: "not-mine" } });
    fireEvent.change(field("new-password"), { target: { value: "long enough" } });
    fireEvent.submit(passwordForm());
    expect((await screen.findByRole("alert")).textContent).toBe("The current password is not right.");

    // The browser refuses a too-short new password without a submit: the old answer must not stay beside it.
    fireEvent.change(field("current-password"), { target: { value: "mine" } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });

  it("clears the error when the new password is edited", async () => {
    vi.spyOn(accountApi, "changePassword").mockRejectedValue(wrongPassword());
    renderSettings();
    fireEvent.change(field("current-password"), { target: { value: "not-mine" } });
    fireEvent.change(field("new-password"), { target: { value: "long enough" } });
    fireEvent.submit(passwordForm());
    await screen.findByRole("alert");
    fireEvent.change(field("new-password"), { target: { value: "abc" } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });

  it("states the new password's rule, visibly and as the field's description", () => {
    renderSettings();
    const next = field("new-password");
    const describedBy = next.getAttribute("aria-describedby");
    expect(describedBy).toBeTruthy();
    const hint = document.getElementById(describedBy!);
    expect(hint?.textContent).toBe("At least 8 characters.");
    expect(next.minLength).toBe(8);
  });
});

describe("deleting the account", () => {
  const deleteForm = () => screen.getByRole("form", { name: "Delete account" });
  const fillPassword = (value: string) => fireEvent.change(deleteForm().querySelector("input[type=password]")!, { target: { value } });
  const understand = () => fireEvent.click(within(deleteForm()).getByRole("checkbox", { name: /cannot be undone/ }));

  it("asks for the password and the confirmation in one form: a wrong password is said, with no dialog confirmed first", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    vi.spyOn(accountApi, "deleteAccount").mockRejectedValue(wrongPassword());
    renderSettings();
    fillPassword("not-mine");
    understand();
    fireEvent.submit(deleteForm());
    expect((await screen.findByRole("alert")).textContent).toBe("The password is not right. Nothing was deleted.");
    expect(confirm).not.toHaveBeenCalled();
    expect(logout).not.toHaveBeenCalled();
  });

  it("says together that the password and the confirmation are missing, and sends nothing", async () => {
    const remove = vi.spyOn(accountApi, "deleteAccount").mockResolvedValue(undefined);
    renderSettings();
    fireEvent.submit(deleteForm());
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Type your password.");
    expect(alert.textContent).toContain("Tick the box to say you understand this cannot be undone.");
    expect(remove).not.toHaveBeenCalled();
  });

  it("lands on the sign-in page, not a way back to settings, saying the account was deleted", async () => {
    const remove = vi.spyOn(accountApi, "deleteAccount").mockResolvedValue(undefined);
    renderSettings();
    fillPassword("mine");
    understand();
    fireEvent.submit(deleteForm());
    expect((await screen.findByRole("status")).textContent).toBe("Your account and its data were deleted.");
    expect(screen.getByTestId("where").textContent).toBe("/login");
    expect(remove).toHaveBeenCalledWith("mine");
    expect(logout).toHaveBeenCalledTimes(1);
  });
});
