import { useEffect, useState } from "react";
import { accountApi, errorLines } from "../../lib/account";
import { useInvalidateShares, useShares } from "./queries";
import { formatDate } from "../../lib/format";
import { Alert, ConfirmButton, useDialogFocus } from "../../components/ui";
import "./account.css";

const day = (iso: string) => formatDate(iso, { dateOnly: true });

/** "Share": a dialog where the owner makes read-only links to this report, sees them and revokes any. */
export default function ShareButton({ scanId }: { scanId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-secondary" onClick={() => setOpen(true)}>
        Share
      </button>
      {open && <ShareDialog scanId={scanId} onClose={() => setOpen(false)} />}
    </>
  );
}

function ShareDialog({ scanId, onClose }: { scanId: string; onClose: () => void }) {
  const sharesQuery = useShares(scanId);
  const shares = sharesQuery.data ?? null;
  const load = useInvalidateShares(scanId);
  const [days, setDays] = useState(30);
  // The link just made (its URL is shown once), until it is revoked.
  const [created, setCreated] = useState<{ id: string; url: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [actionError, setError] = useState<string[] | null>(null);
  const error = actionError ?? (sharesQuery.error ? errorLines(sharesQuery.error, "The links could not be loaded.") : null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useDialogFocus<HTMLDivElement>();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      const share = await accountApi.createShare(scanId, days);
      setCreated({ id: share.id, url: share.url });
      setCopied(false);
      await load();
    } catch (err) {
      setError(errorLines(err, "The link could not be created."));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    setError(null);
    try {
      await accountApi.revokeShare(scanId, id);
      setCreated((shown) => (shown?.id === id ? null : shown));
      await load();
    } catch (err) {
      setError(errorLines(err, "The link could not be revoked."));
    }
  }

  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const active = shares?.filter((share) => share.state === "active") ?? [];
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        ref={dialogRef}
        className="modal card"
        role="dialog"
        aria-modal="true"
        aria-labelledby="share-title"
        onClick={(event) => event.stopPropagation()}
      >
        <h2 id="share-title">Share this report</h2>
        <p className="muted">
          Anyone with the link can read the report, your cost estimates included but not your details, until it expires or you revoke it.
        </p>
        {error && <Alert lines={error} />}
        <div className="form-row">
          <label className="field">
            <span>Link valid for</span>
            <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
              {[1, 7, 30, 90, 365].map((n) => (
                <option key={n} value={n}>
                  {n === 1 ? "1 day" : `${n} days`}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-primary" onClick={() => void create()} disabled={busy}>
            {busy ? "Creating…" : "Create link"}
          </button>
        </div>
        {created && (
          <div className="share-new-link">
            <label className="field">
              <span>New link (shown once)</span>
              {/* A text area, not an input: the whole link shows, on several lines on a phone. */}
              <textarea
                readOnly
                rows={3}
                value={created.url}
                aria-label="Share link"
                onFocus={(event) => event.target.select()}
              />
            </label>
            <button type="button" className="btn btn-secondary btn-small" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        )}
        <h3>Links of this report</h3>
        {shares === null ? (
          <p className="muted">Loading…</p>
        ) : active.length === 0 ? (
          <p className="muted">No active links.</p>
        ) : (
          <ul className="share-list">
            {active.map((share) => (
              <li key={share.id}>
                <span>
                  Created {day(share.created_at)}, expires {day(share.expires_at)}
                </span>
                {/* Asked first, as a repair list's link is: a revoked link cannot be brought back. */}
                <ConfirmButton
                  label="Revoke"
                  name={`Revoke the link created ${day(share.created_at)}`}
                  confirmLabel="Revoke this link"
                  onConfirm={() => void revoke(share.id)}
                  className="btn btn-ghost btn-danger btn-small"
                />
              </li>
            ))}
          </ul>
        )}
        <div className="actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
