import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { accountApi, errorLines, type Preferences } from "../../lib/account";
import { enablePush, pushPermission } from "../../lib/push";
import { Alert } from "../../components/ui";
import "./account.css";
import { notificationKeys, useNotificationPreferences } from "./queries";

/** Settings: an e-mail and/or a push notification when a scan ends. */
export default function NotificationSettings() {
  const preferences = useNotificationPreferences();
  const prefs = preferences.data ?? null;
  const queryClient = useQueryClient();
  const setPrefs = (saved: Preferences) => queryClient.setQueryData(notificationKeys.preferences, saved);
  const [actionError, setError] = useState<string[] | null>(null);
  const error =
    actionError ?? (preferences.error ? errorLines(preferences.error, "Your notification settings could not be loaded.") : null);
  const [device, setDevice] = useState<string>(() => pushPermission());

  async function update(change: { email_on_complete?: boolean; push_on_complete?: boolean }) {
    setError(null);
    try {
      setPrefs(await accountApi.updatePreferences(change));
    } catch (err) {
      setError(errorLines(err, "The setting could not be saved."));
    }
  }

  async function subscribeDevice() {
    setError(null);
    try {
      const outcome = await enablePush();
      setDevice(outcome === "subscribed" ? "granted" : outcome);
      await queryClient.invalidateQueries({ queryKey: notificationKeys.preferences });
    } catch (err) {
      setError(errorLines(err, "This device could not be subscribed."));
    }
  }

  return (
    <section className="card settings-section" aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      <p className="muted">When a scan finishes or fails.</p>
      {error && <Alert lines={error} />}
      {prefs === null ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <div className="form">
          <label className="check">
            <input
              type="checkbox"
              checked={prefs.email_on_complete}
              onChange={(event) => void update({ email_on_complete: event.target.checked })}
            />
            <span>E-mail me</span>
          </label>
          {!prefs.email_available && (
            <p className="muted small">This server has no mail server configured: e-mails are not sent.</p>
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={prefs.push_on_complete}
              onChange={(event) => void update({ push_on_complete: event.target.checked })}
            />
            <span>Push notification on my devices</span>
          </label>
          <p className="muted small">
            {prefs.push_subscriptions === 1 ? "1 device subscribed." : `${prefs.push_subscriptions} devices subscribed.`}{" "}
            {device === "unsupported" && "This browser does not support push notifications."}
            {device === "denied" && "Notifications are blocked for this site in this browser."}
          </p>
          {device !== "unsupported" && device !== "denied" && (
            <button type="button" className="btn btn-secondary btn-small" onClick={() => void subscribeDevice()}>
              Notify this device
            </button>
          )}
        </div>
      )}
    </section>
  );
}
