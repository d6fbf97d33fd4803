import { useState, type FormEvent } from "react";
import { accountApi, errorLines, saveBlob } from "../../lib/account";
import { useAuth } from "../../lib/auth";
import { Alert } from "../ui";
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

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string[] | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

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
      setError(errorLines(err, "The password could not be changed."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} aria-labelledby="password-title">
      <h3 id="password-title">Change password</h3>
      {error && <Alert lines={error} />}
      {done && <p className="notice">Password changed. You were signed out on your other devices.</p>}
      <label className="field">
        <span>Current password</span>
        <input
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label className="field">
        <span>New password</span>
        <input
          type="password"
          autoComplete="new-password"
          minLength={8}
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
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
      setError(errorLines(err, "The account could not be deleted."));
      setBusy(false);
    }
  }

  return (
    <form className="form danger-zone" onSubmit={submit} aria-labelledby="delete-title">
      <h3 id="delete-title">Delete account</h3>
      <p className="muted">Your scans, photos, share links and devices are removed for good.</p>
      {error && <Alert lines={error} />}
      <label className="field">
        <span>Password</span>
        <input
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button className="btn btn-danger-solid" type="submit" disabled={busy}>
        {busy ? "Deleting…" : "Delete my account"}
      </button>
    </form>
  );
}
