import { useState, type FormEvent } from "react";
import { Link, useLocation } from "react-router-dom";
import { Alert, PageTitle, PasswordField } from "../../components/ui";
import { ApiError } from "../../lib/api";
import { useAuth } from "../../lib/auth";

export default function RegisterPage() {
  const { register } = useAuth();
  const location = useLocation();
  const [form, setForm] = useState({ first_name: "", last_name: "", email: "", password: "" });
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (form.password.length < 8) {
      setError(["Choose a password of at least 8 characters."]);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await register({
        email: form.email.trim(),
        password: form.password,
        first_name: form.first_name.trim() || undefined,
        last_name: form.last_name.trim() || undefined,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setError(["An account with this email already exists. Log in instead."]);
      else setError(err instanceof ApiError ? err.lines : ["Could not create the account. Please try again."]);
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card">
      <PageTitle title="Create an account">Create an account</PageTitle>
      <p className="muted">Your scans and reports are private to your account.</p>
      {error && <Alert lines={error} />}
      <form onSubmit={submit} className="form">
        <div className="row-2">
          <label className="field">
            <span>First name <em className="optional">optional</em></span>
            <input autoComplete="given-name" value={form.first_name} onChange={set("first_name")} />
          </label>
          <label className="field">
            <span>Last name <em className="optional">optional</em></span>
            <input autoComplete="family-name" value={form.last_name} onChange={set("last_name")} />
          </label>
        </div>
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="email" required value={form.email} onChange={set("email")} />
        </label>
        <PasswordField
          label="Password"
          value={form.password}
          onChange={(password) => setForm((f) => ({ ...f, password }))}
          isNew
        />
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </button>
      </form>
      <p className="muted center">
        Already have an account? <Link to={`/login${location.search}`}>Log in</Link>
      </p>
    </section>
  );
}
