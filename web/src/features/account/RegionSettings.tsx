import { useEffect, useState, type FormEvent } from "react";
import { errorLines } from "../../lib/account";
import { ApiError, formatDetail } from "../../lib/api";
import { formatDate, knownTimeZone } from "../../lib/format";
import { Alert } from "../../components/ui";
import { accountPreferences, adoptPreferences, browserPreferences, preferencesApi } from "./preferences";
import { FACTOR_MAX, FACTOR_MIN, parseFactor } from "../decision/decision";
import { decisionApi } from "../decision/decisionApi";
import { useInvalidateCostGuides } from "../decision/queries";
import "./account.css";

const COMMON_CURRENCIES = ["EUR", "GBP", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "NZD", "JPY"];

/**
 * A 422 about one field of the body split from the rest: the server's words for that field (its `{loc, msg}`
 * entry), to say beside it, and the lines of any other problem. Null for any other failure.
 */
function fieldProblem(err: unknown, field: string): { problem: string; rest: string[] } | null {
  if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.detail)) return null;
  const entries = err.detail as unknown[];
  const isField = (entry: unknown) => {
    const { loc } = (entry ?? {}) as { loc?: unknown };
    return Array.isArray(loc) && loc[0] === "body" && loc[loc.length - 1] === field;
  };
  const mine = entries.find(isField);
  if (mine === undefined) return null;
  return { problem: String((mine as { msg?: unknown }).msg), rest: formatDetail(entries.filter((entry) => !isField(entry))) };
}

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

/**
 * Settings: the currency of cost ranges, the regional factor the cost guide's national figures are multiplied by,
 * and the time zone every date is written in (e-mails and PDFs too).
 */
export default function RegionSettings() {
  const [currency, setCurrency] = useState("");
  /** The currency the account's costs were entered in (null: none saved yet). */
  const [savedCurrency, setSavedCurrency] = useState<string | null>(null);
  const [timeZone, setTimeZone] = useState("");
  const [factor, setFactor] = useState("1");
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  /** Said beside the currency field: not a three-letter code, or (the server's words) not an ISO 4217 currency. */
  const [currencyProblem, setCurrencyProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const invalidateCostGuides = useInvalidateCostGuides();

  useEffect(() => {
    void Promise.all([accountPreferences(), decisionApi.costPreferences().catch(() => null)]).then(([prefs, costs]) => {
      const guess = browserPreferences();
      setCurrency(prefs.currency ?? guess.currency);
      setSavedCurrency(prefs.currency ?? null);
      setTimeZone(prefs.time_zone ?? guess.time_zone);
      if (costs) setFactor(String(costs.cost_factor));
      setLoaded(true);
    });
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setCurrencyProblem(null);
    setNotice("");
    const code = currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) return setCurrencyProblem("A currency is a three-letter code, such as EUR or GBP.");
    if (!knownTimeZone(timeZone)) return setError([`“${timeZone}” is not a time zone this browser knows (e.g. Europe/Paris).`]);
    const parsed = parseFactor(factor);
    if ("problem" in parsed) return setError([parsed.problem]);
    try {
      const prefs = await preferencesApi.put({ currency: code, time_zone: timeZone });
      adoptPreferences(prefs);
      setSavedCurrency(prefs.currency ?? code);
      const costs = await decisionApi.putCostPreferences({ cost_factor: parsed.factor });
      setFactor(String(costs.cost_factor));
      void invalidateCostGuides();
      setNotice(`Saved. Dates now read like ${formatDate(new Date().toISOString())}; cost guide figures are multiplied by ${costs.cost_factor}.`);
    } catch (err) {
      const currencyError = fieldProblem(err, "currency");
      setCurrencyProblem(currencyError?.problem ?? null);
      if (!currencyError) setError(errorLines(err, "Your preferences could not be saved."));
      else if (currencyError.rest.length > 0) setError(currencyError.rest);
    }
  }

  const zoneList = zones();
  const newCode = currency.trim().toUpperCase();
  // Costs are stored as numbers in the account's currency: a new currency relabels them, it converts nothing.
  const relabels = !currencyProblem && savedCurrency !== null && /^[A-Z]{3}$/.test(newCode) && newCode !== savedCurrency;
  const described = [currencyProblem && "currency-problem", relabels && "currency-relabels"].filter(Boolean).join(" ");
  return (
    <section className="card settings-section" aria-labelledby="region-title">
      <h2 id="region-title">Currency, costs and time zone</h2>
      <p className="muted">
        Costs of findings are in this currency; every date is shown in this time zone. The cost guide gives national figures:
        where work costs more or less, set a regional factor (1.2 adds a fifth, 0.9 takes a tenth off). Its suggestions are
        estimates, never quotes.
      </p>
      {error && <Alert lines={error} />}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : (
        <form className="form" onSubmit={(e) => void save(e)} aria-label="Currency, costs and time zone" noValidate>
          <label className="field">
            <span>Currency</span>
            <input
              value={currency}
              onChange={(e) => setCurrency(e.target.value)}
              list="currency-codes"
              maxLength={3}
              autoCapitalize="characters"
              name="currency"
              aria-invalid={currencyProblem ? true : undefined}
              aria-describedby={described || undefined}
            />
            <datalist id="currency-codes">
              {COMMON_CURRENCIES.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
          {currencyProblem && (
            <p id="currency-problem" className="error-text" role="alert">
              {currencyProblem}
            </p>
          )}
          {relabels && (
            <p id="currency-relabels" className="muted small">
              Costs you have already recorded keep their figures: they will read in {newCode} instead of {savedCurrency}, not
              converted. Edit them if they should change.
            </p>
          )}
          <label className="field">
            <span>Regional cost factor</span>
            <input type="number" inputMode="decimal" min={FACTOR_MIN} max={FACTOR_MAX} step="0.05" value={factor} onChange={(e) => setFactor(e.target.value)} name="cost_factor" />
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
