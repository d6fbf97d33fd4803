import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ConfirmButton, PasswordField, useDialogFocus, useFocusBack } from "./ui";

function Dialog({ onClose }: { onClose: () => void }) {
  const ref = useDialogFocus<HTMLDivElement>();
  return (
    <div ref={ref} role="dialog" aria-label="A dialog">
      <label>
        Days <select defaultValue="1"><option value="1">1</option></select>
      </label>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function Opener() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      <button type="button">Behind</button>
      {open && <Dialog onClose={() => setOpen(false)} />}
    </>
  );
}

describe("useDialogFocus", () => {
  it("moves the focus into the dialog, keeps Tab inside it and gives it back to its opener on closing", () => {
    render(<Opener />);
    const open = screen.getByRole("button", { name: "Open" });
    open.focus();
    fireEvent.click(open);
    const days = screen.getByRole("combobox", { name: "Days" });
    const close = screen.getByRole("button", { name: "Close" });
    expect(document.activeElement).toBe(days);
    close.focus();
    fireEvent.keyDown(close, { key: "Tab" });
    expect(document.activeElement).toBe(days);
    fireEvent.keyDown(days, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(close);
    fireEvent.click(close);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(open);
  });
});

describe("ConfirmButton", () => {
  it("puts the focus on the question, and back on the button when it is cancelled", () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Delete" confirmLabel="Delete for good" onConfirm={onConfirm} />);
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete for good" }));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete" }));
    expect(onConfirm).not.toHaveBeenCalled();
  });
});

function Items() {
  const [items, setItems] = useState(["a", "b"]);
  const [open, setOpen] = useState<string | null>(null);
  const { opener } = useFocusBack(open, "new");
  return (
    <>
      {items.map((item) => (
        <button key={item} ref={opener(item)} type="button" onClick={() => setOpen(item)}>
          Edit {item}
        </button>
      ))}
      {open === null && (
        <button ref={opener("new")} type="button" onClick={() => setOpen("new")}>
          Add
        </button>
      )}
      {open !== null && (
        <form aria-label="Form">
          <button type="button" onClick={() => setOpen(null)}>
            Done
          </button>
          <button
            type="button"
            onClick={() => {
              setItems((all) => all.filter((item) => item !== open));
              setOpen(null);
            }}
          >
            Remove
          </button>
        </form>
      )}
    </>
  );
}

describe("useFocusBack", () => {
  it("gives the focus back to the button that opened the form, else to the fallback when that one is gone", () => {
    render(<Items />);
    fireEvent.click(screen.getByRole("button", { name: "Edit b" }));
    fireEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit b" }));

    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    fireEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Add" })); // a new button: the same key

    fireEvent.click(screen.getByRole("button", { name: "Edit a" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Add" }));
  });
});


describe("PasswordField", () => {
  it("a new password says its rule, as its description; the current one and a repeat say nothing", () => {
    render(
      <>
        <PasswordField label="New password" value="" onChange={() => {}} isNew />
        <PasswordField label="Repeat it" value="" onChange={() => {}} isNew hint="" />
        <PasswordField label="Current password" value="" onChange={() => {}} />
      </>,
    );
    const fresh = screen.getByLabelText("New password");
    expect(fresh.getAttribute("minlength")).toBe("8");
    expect(document.getElementById(fresh.getAttribute("aria-describedby") ?? "")?.textContent).toBe("At least 8 characters.");
    expect(screen.getByLabelText("Repeat it").getAttribute("aria-describedby")).toBeNull();
    expect(screen.getByLabelText("Current password").getAttribute("aria-describedby")).toBeNull();
  });
});
