import { useEffect, useState, type FormEvent } from "react";
import { errorLines } from "../../lib/account";
import { formatDate, knownTimeZone } from "../../lib/format";
import { Alert } from "../ui";
import { accountPreferences, adoptPreferences, browserPreferences, preferencesApi } from "./preferences";
import "./account.css";

const COMMON_CURRENCIES = ["EUR", "GBP", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "NZD", "JPY"];

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

/** Settings: the currency of cost ranges and the time zone every date is written in (e-mails and PDFs too). */
export default function RegionSettings() {
  const [currency, setCurrency] = useState("");
  const [timeZone, setTimeZone] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const [notice, setNotice] = useState("");

  useEffect(() => {
    void accountPreferences().then((prefs) => {
      const guess = browserPreferences();
      setCurrency(prefs.currency ?? guess.currency);
      setTimeZone(prefs.time_zone ?? guess.time_zone);
      setLoaded(true);
    });
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice("");
    const code = currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) return setError(["A currency is a three-letter code, such as EUR or GBP."]);
    if (!knownTimeZone(timeZone)) return setError([`“${timeZone}” is not a time zone this browser knows (e.g. Europe/Paris).`]);
    try {
      adoptPreferences(await preferencesApi.put({ currency: code, time_zone: timeZone }));
      setNotice(`Saved. Dates now read like ${formatDate(new Date().toISOString())}.`);
    } catch (err) {
      setError(errorLines(err, "Your preferences could not be saved."));
    }
  }

  const zoneList = zones();
  return (
    <section className="card settings-section" aria-labelledby="region-title">
      <h2 id="region-title">Currency and time zone</h2>
      <p className="muted">Costs of findings are in this currency; every date is shown in this time zone.</p>
      {error && <Alert lines={error} />}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : (
        <form className="form" onSubmit={(e) => void save(e)} aria-label="Currency and time zone">
          <label className="field">
            <span>Currency</span>
            <input value={currency} onChange={(e) => setCurrency(e.target.value)} list="currency-codes" maxLength={3} autoCapitalize="characters" name="currency" />
            <datalist id="currency-codes">
              {COMMON_CURRENCIES.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
          <label className="field">
            <span>Time zone</span>
            <input value={timeZone} onChange={(e) => setTimeZone(e.target.value)} list="time-zones" name="time_zone" />
            <datalist id="time-zones">
              {zoneList.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </label>
          <button type="submit" className="btn btn-primary">
            Save
          </button>
          <p role="status" aria-live="polite" className="muted small">
            {notice}
          </p>
        </form>
      )}
    </section>
  );
}
