import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Alert, PageTitle, PasswordField } from "../../components/ui";
import { accountApi, errorLines } from "../../lib/account";

/** Opened from the reset e-mail: /reset-password?token=… */
export default function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeat) {
      setError(["The two passwords differ."]);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await accountApi.confirmPasswordReset(token, password);
      setDone(true);
    } catch (err) {
      setError(errorLines(err, "The password could not be set. Ask for a new link."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card">
      <PageTitle title="Choose a new password">Choose a new password</PageTitle>
      {done ? (
        <p className="notice" role="status">
          Your password has been changed. <Link to="/login">Log in</Link> with it.
        </p>
      ) : !token ? (
        <Alert lines={["This link has no token. Open the link from the e-mail again, or ask for a new one."]} />
      ) : (
        <>
          {error && <Alert lines={error} />}
          <form onSubmit={submit} className="form">
            <PasswordField label="New password" value={password} onChange={setPassword} isNew />
            <PasswordField label="Repeat the new password" value={repeat} onChange={setRepeat} isNew hint="" />
            <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? "Saving…" : "Set new password"}
            </button>
          </form>
        </>
      )}
      <p className="muted center">
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </section>
  );
}
