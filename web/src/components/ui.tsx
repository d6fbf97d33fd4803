import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from "react";
import { statusLabel } from "../lib/format";

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="spinner-wrap" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Alert({
  tone = "error",
  title,
  lines,
  children,
}: {
  tone?: "error" | "info" | "success" | "warning";
  title?: string;
  lines?: string[];
  children?: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {title && <strong className="alert-title">{title}</strong>}
      {lines && lines.length === 1 && <p>{lines[0]}</p>}
      {lines && lines.length > 1 && (
        <ul>
          {lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{statusLabel(status)}</span>;
}

export function ProgressRing({ value, size = 168, label }: { value: number; size?: number; label?: string }) {
  const stroke = 12;
  const radius = (size - stroke) / 2;
  const circumference = 2 * Math.PI * radius;
  const pct = Math.max(0, Math.min(100, value));
  return (
    <div
      className="ring"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct)}
      aria-label={label ?? "Analysis progress"}
      style={{ width: size, height: size }}
    >
      <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} aria-hidden="true">
        <circle className="ring-track" cx={size / 2} cy={size / 2} r={radius} strokeWidth={stroke} fill="none" />
        <circle
          className="ring-value"
          cx={size / 2}
          cy={size / 2}
          r={radius}
          strokeWidth={stroke}
          fill="none"
          strokeLinecap="round"
          strokeDasharray={circumference}
          strokeDashoffset={circumference * (1 - pct / 100)}
          transform={`rotate(-90 ${size / 2} ${size / 2})`}
        />
      </svg>
      <span className="ring-text" data-testid="progress-value">
        {Math.round(pct)}%
      </span>
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div
      className="bar"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
    >
      <span style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
    </div>
  );
}

/** Two-step destructive button: first press asks, second confirms. `name`: what a screen reader hears for the
 * first button when `label` alone ("Delete") would not say what it deletes. */
export function ConfirmButton({
  label,
  name,
  confirmLabel,
  onConfirm,
  busy,
  className = "btn btn-ghost btn-danger",
}: {
  label: string;
  name?: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    // The question takes the focus; cancelled, the focus goes back to the button that asked it (not the page).
    if (asking) confirmRef.current?.focus();
    else if (asked.current) askRef.current?.focus();
    asked.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        ref={askRef}
        type="button"
        className={className}
        aria-label={name}
        onClick={() => setAsking(true)}
        disabled={busy}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button ref={confirmRef} type="button" className="btn btn-danger-solid btn-sm" onClick={onConfirm} disabled={busy}>
        {confirmLabel}
      </button>
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Move focus to the page heading on navigation, for screen-reader and keyboard users. */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · HouseScan`;
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

const NEW_PASSWORD_MIN = 8;

/** A labelled password input. A new password (`isNew`) needs 8 characters, says so (its `hint` unless given
 * another; "" for none) and lets the browser suggest one; any other is the account's current password, for the
 * browser to fill in. */
export function PasswordField({
  label,
  value,
  onChange,
  isNew = false,
  hint = isNew ? `At least ${NEW_PASSWORD_MIN} characters.` : undefined,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  isNew?: boolean;
  hint?: string;
}) {
  const inputId = useId();
  const hintId = useId();
  // The hint sits outside the <label>: the field's name is its label alone, the hint its description.
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        type="password"
        autoComplete={isNew ? "new-password" : "current-password"}
        minLength={isNew ? NEW_PASSWORD_MIN : undefined}
        required
        aria-describedby={hint ? hintId : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/**
 * Inline forms opened from one of several buttons (an item's Edit, an "Add"): `open` is the key of the form open
 * now, or null. Give each button `opener(key)` as its ref; when the form closes, the focus goes back to the button
 * of the key it had, else to `fallback`'s (the item, and its button, may be gone). `focus(key)` moves it there.
 */
export function useFocusBack(open: string | null, fallback?: string) {
  const openers = useRef(new Map<string, HTMLElement>());
  const last = useRef<string | null>(null);
  useEffect(() => {
    const closed = last.current;
    last.current = open;
    if (open !== null || closed === null) return;
    (openers.current.get(closed) ?? (fallback === undefined ? undefined : openers.current.get(fallback)))?.focus();
  }, [open, fallback]);
  const opener = useCallback(
    (key: string) => (element: HTMLElement | null) => {
      if (element) openers.current.set(key, element);
      else openers.current.delete(key);
    },
    [],
  );
  const focus = useCallback((key: string) => openers.current.get(key)?.focus(), []);
  return { opener, focus };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog's focus, for keyboard and screen-reader users: it moves into the dialog when it opens (to
 * `initial`, else its first control), Tab and Shift+Tab go round inside it, and when it closes the focus goes back
 * to what had it before (the button that opened it). Put the returned ref on the dialog.
 */
export function useDialogFocus<T extends HTMLElement>(initial?: RefObject<HTMLElement | null>): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const controls = () => Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE));
    (initial?.current ?? controls()[0] ?? dialog).focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Tab") return;
      const items = controls();
      const inside = dialog.contains(document.activeElement);
      if (items.length === 0) {
        event.preventDefault();
      } else if (event.shiftKey && (!inside || document.activeElement === items[0])) {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (!event.shiftKey && (!inside || document.activeElement === items[items.length - 1])) {
        event.preventDefault();
        items[0].focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      if (opener?.isConnected) opener.focus();
    };
    // Once for the dialog's life: `initial` is read when it opens.
  }, []);
  return ref;
}
