import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import AccountSettings from "./AccountSettings";
import { accountApi } from "../../lib/account";
import { ApiError } from "../../lib/api";

vi.mock("../../lib/auth", () => ({ useAuth: () => ({ logout: () => undefined }) }));

afterEach(() => vi.restoreAllMocks());

const wrongPassword = () => new ApiError(403, "the password is wrong", undefined, "wrong_password");

const passwordForm = () => screen.getByRole("form", { name: "Change password" });
const field = (autocomplete: "current-password" | "new-password") =>
  passwordForm().querySelector<HTMLInputElement>(`input[autocomplete="${autocomplete}"]`)!;

describe("changing the password", () => {
  it("says a wrong current password in a sentence, and forgets it once a field is edited", async () => {
    vi.spyOn(accountApi, "changePassword").mockRejectedValue(wrongPassword());
    render(<AccountSettings />);
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
    render(<AccountSettings />);
    fireEvent.change(field("current-password"), { target: { value: "not-mine" } });
    fireEvent.change(field("new-password"), { target: { value: "long enough" } });
    fireEvent.submit(passwordForm());
    await screen.findByRole("alert");
    fireEvent.change(field("new-password"), { target: { value: "abc" } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });

  it("states the new password's rule, visibly and as the field's description", () => {
    render(<AccountSettings />);
    const next = field("new-password");
    const describedBy = next.getAttribute("aria-describedby");
    expect(describedBy).toBeTruthy();
    const hint = document.getElementById(describedBy!);
    expect(hint?.textContent).toBe("At least 8 characters.");
    expect(next.minLength).toBe(8);
  });
});

describe("deleting the account", () => {
  it("says a wrong password in a sentence", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    vi.spyOn(accountApi, "deleteAccount").mockRejectedValue(wrongPassword());
    render(<AccountSettings />);
    const form = screen.getByRole("form", { name: "Delete account" });
    fireEvent.change(form.querySelector("input")!, { target: { value: "not-mine" } });
    fireEvent.submit(form);
    expect((await screen.findByRole("alert")).textContent).toBe("The password is not right.");
  });
});
