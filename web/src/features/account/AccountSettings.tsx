import { useState, type FormEvent } from "react";
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

function DeleteAccount() {
  const { logout } = useAuth();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!window.confirm("Delete your account, every scan, photo and share link? This cannot be undone.")) return;
    setBusy(true);
    setError(null);
    try {
      await accountApi.deleteAccount(password);
      logout();
    } catch (err) {
      setError(passwordRequestError(err, "The password is not right.", "The account could not be deleted."));
      setBusy(false);
    }
  }

  return (
    <form className="form danger-zone" onSubmit={submit} aria-labelledby="delete-title">
      <h3 id="delete-title">Delete account</h3>
      <p className="muted">Your scans, photos, share links and devices are removed for good.</p>
      {error && <Alert lines={error} />}
      <PasswordField label="Password" value={password} onChange={setPassword} />
      <button className="btn btn-danger-solid" type="submit" disabled={busy}>
        {busy ? "Deleting…" : "Delete my account"}
      </button>
    </form>
  );
}
