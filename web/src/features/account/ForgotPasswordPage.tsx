import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { Alert, PageTitle } from "../../components/ui";
import { accountApi, errorLines } from "../../lib/account";

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await accountApi.requestPasswordReset(email.trim());
      setSent(true);
    } catch (err) {
      setError(errorLines(err, "Could not send the e-mail. Please try again."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card">
      <PageTitle title="Forgot password">Forgot your password?</PageTitle>
      {sent ? (
        <p className="notice" role="status">
          If {email.trim()} has an account, an e-mail with a link to choose a new password is on its way. The link works
          once, for one hour.
        </p>
      ) : (
        <>
          <p className="muted">Enter your e-mail and we will send you a link to choose a new password.</p>
          {error && <Alert lines={error} />}
          <form onSubmit={submit} className="form">
            <label className="field">
              <span>Email</span>
              <input
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? "Sending…" : "Send reset link"}
            </button>
          </form>
        </>
      )}
      <p className="muted center">
        <Link to="/login">Back to log in</Link>
      </p>
    </section>
  );
}
