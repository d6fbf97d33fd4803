import { useState, type FormEvent } from "react";
import { Link, useLocation } from "react-router-dom";
import { Alert, PageTitle, PasswordField } from "../../components/ui";
import { ApiError } from "../../lib/api";
import { useAuth } from "../../lib/auth";
import type { AccountDeletedState } from "./AccountSettings";

export default function LoginPage() {
  const { login } = useAuth();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const accountDeleted = (location.state as Partial<AccountDeletedState> | null)?.accountDeleted === true;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(["That email and password do not match an account."]);
      else setError(err instanceof ApiError ? err.lines : ["Could not log in. Please try again."]);
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card">
      <PageTitle title="Log in">Log in</PageTitle>
      <p className="muted">Photograph a home room by room and get an inspection report.</p>
      {accountDeleted && (
        <p className="notice" role="status">
          Your account and its data were deleted.
        </p>
      )}
      {error && <Alert lines={error} />}
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <PasswordField label="Password" value={password} onChange={setPassword} />
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p className="muted center">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p className="muted center">
        New to HouseScan? <Link to={`/register${location.search}`}>Create an account</Link>
      </p>
    </section>
  );
}
