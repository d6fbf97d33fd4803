import { startTransition, useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { accountApi, errorLines, saveBlob } from "../../lib/account";
import { ApiError } from "../../lib/api";
import { useAuth } from "../../lib/auth";
import { Alert, PasswordField } from "../../components/ui";
import "./account.css";

/** Settings: change the password, download my data, delete the account. */
export default function AccountSettings() {
  return (
    <section className="card settings-section" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <ChangePassword />
      <DownloadData />
      <DeleteAccount />
    </section>
  );
}

/** Lines for a refused request the password was asked for: a wrong password as `wrong` says it, anything else as
 * the server said it (else `fallback`). */
function passwordRequestError(err: unknown, wrong: string, fallback: string): string[] {
  if (err instanceof ApiError && err.code === "wrong_password") return [wrong];
  return errorLines(err, fallback);
}

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string[] | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  // An answer about what was sent no longer holds once a field changes (and it would stay while the browser
  // refuses a too-short new password without calling submit).
  const edit = (setField: (value: string) => void) => (value: string) => {
    setField(value);
    setError(null);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await accountApi.changePassword(current, next);
      setCurrent("");
      setNext("");
      setDone(true);
    } catch (err) {
      setError(passwordRequestError(err, "The current password is not right.", "The password could not be changed."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} aria-labelledby="password-title">
      <h3 id="password-title">Change password</h3>
      {error && <Alert lines={error} />}
      {done && <p className="notice">Password changed. You were signed out on your other devices.</p>}
      <PasswordField label="Current password" value={current} onChange={edit(setCurrent)} />
      <PasswordField label="New password" value={next} onChange={edit(setNext)} isNew />
      <button className="btn btn-secondary" type="submit" disabled={busy}>
        {busy ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}

function DownloadData() {
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await accountApi.exportData();
      saveBlob(blob, filename ?? "housescan-data.zip");
    } catch (err) {
      setError(errorLines(err, "Your data could not be prepared."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="form">
      <h3>Download my data</h3>
      <p className="muted">A zip of your account, every scan as JSON, and your photos.</p>
      {error && <Alert lines={error} />}
      <button type="button" className="btn btn-secondary" onClick={() => void download()} disabled={busy}>
        {busy ? "Preparing…" : "Download my data"}
      </button>
    </div>
  );
}

/** What the sign-in page is told after the account was deleted (its route state). */
export interface AccountDeletedState {
  accountDeleted: true;
}

/**
 * The password and the confirmation are asked for in one form (the API cannot check a password without deleting),
 * so a wrong password is said before anything was agreed to happen, and nothing is confirmed twice.
 */
function DeleteAccount() {
  const { logout } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = [
      ...(password ? [] : ["Type your password."]),
      ...(understood ? [] : ["Tick the box to say you understand this cannot be undone."]),
    ];
    if (problems.length > 0) return setError(problems);
    setBusy(true);
    setError(null);
    try {
      await accountApi.deleteAccount(password);
    } catch (err) {
      setError(passwordRequestError(err, "The password is not right. Nothing was deleted.", "The account could not be deleted."));
      setBusy(false);
      return;
    }
    // The router moves in a transition: signing out outside it would render the settings signed out first, and
    // their guard would send to "/login?next=/settings". In one transition both land in the same render.
    startTransition(() => {
      logout();
      navigate("/login", { replace: true, state: { accountDeleted: true } satisfies AccountDeletedState });
    });
  }

  return (
    <form className="form danger-zone" onSubmit={submit} aria-labelledby="delete-title" noValidate>
      <h3 id="delete-title">Delete account</h3>
      <p className="muted">Your scans, photos, share links and devices are removed for good.</p>
      {error && <Alert lines={error} />}
      <PasswordField
        label="Password"
        value={password}
        onChange={(value) => {
          setPassword(value);
          setError(null);
        }}
      />
      <label className="check">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
        <span>I understand my account, every scan, photo and share link are deleted, and this cannot be undone.</span>
      </label>
      <button className="btn btn-danger-solid" type="submit" disabled={busy}>
        {busy ? "Deleting…" : "Delete my account"}
      </button>
    </form>
  );
}
