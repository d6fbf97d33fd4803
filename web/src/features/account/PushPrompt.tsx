import { useState } from "react";
import { dismissPushPrompt, enablePush, pushPermission, pushPromptDismissed } from "../../lib/push";
import "./account.css";

/** Offered while a scan is being analysed (so after the person's first scan, never on first load): a
 * notification when the report is ready. The browser's permission prompt opens only from the button. */
export default function PushPrompt() {
  const [state, setState] = useState<"ask" | "busy" | "done" | "denied" | "hidden">(() =>
    pushPermission() === "default" && !pushPromptDismissed() ? "ask" : "hidden",
  );
  if (state === "hidden") return null;
  if (state === "done") return <p className="notice">We will notify this device when your report is ready.</p>;
  if (state === "denied") return <p className="muted">Notifications are blocked for this site in your browser.</p>;

  async function enable() {
    setState("busy");
    try {
      const outcome = await enablePush();
      setState(outcome === "subscribed" ? "done" : outcome === "denied" ? "denied" : "hidden");
    } catch {
      setState("hidden");
    }
    dismissPushPrompt();
  }

  return (
    <div className="card push-prompt" role="region" aria-label="Notifications">
      <p>Get a notification on this device when the report is ready?</p>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => void enable()} disabled={state === "busy"}>
          Notify me
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            dismissPushPrompt();
            setState("hidden");
          }}
        >
          Not now
        </button>
      </div>
    </div>
  );
}
