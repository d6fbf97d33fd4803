import { useEffect, useState, type FormEvent } from "react";
import { errorLines } from "../../lib/account";
import { ApiError, formatDetail } from "../../lib/api";
import { formatDate } from "../../lib/format";
import { Alert } from "../../components/ui";
import { accountPreferences, adoptPreferences, browserPreferences, preferencesApi } from "./preferences";
import { FACTOR_MAX, FACTOR_MIN, parseFactor } from "../decision/decision";
import { decisionApi } from "../decision/decisionApi";
import { useInvalidateCostGuides } from "../decision/queries";
import { currencyOptions, matchTimeZones, timeZones } from "./regionChoices";
import "./account.css";

/** At most this many zones are offered to pick from when what was typed matches several. */
const MAX_ZONE_CHOICES = 12;

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
  /** The zones what was typed in the time zone field matched, for the person to pick one. */
  const [zoneChoices, setZoneChoices] = useState<string[]>([]);
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
    setZoneChoices([]);
    setNotice("");
    // Every problem the browser can see is said at once; the server still checks what is sent.
    const problems: string[] = [];
    const code = currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) problems.push("Choose a currency.");
    const zones = matchTimeZones(timeZone);
    if (zones.length === 0) {
      problems.push(timeZone.trim() ? `No time zone matches “${timeZone.trim()}”: type a city, such as London, or pick one from the list.` : "Type a time zone’s city, such as London.");
    } else if (zones.length > 1) {
      problems.push(`Several time zones match “${timeZone.trim()}”: pick one below.`);
      setZoneChoices(zones);
    }
    const parsed = parseFactor(factor);
    if ("problem" in parsed) problems.push(parsed.problem);
    if (problems.length > 0 || "problem" in parsed) return setError(problems);
    const zone = zones[0];
    setTimeZone(zone);
    try {
      const prefs = await preferencesApi.put({ currency: code, time_zone: zone });
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

  const zoneList = timeZones();
  const currencies = currencyOptions([currency, savedCurrency]);
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
            <select
              value={currency}
              onChange={(e) => {
                setCurrency(e.target.value);
                setCurrencyProblem(null);
              }}
              name="currency"
              aria-invalid={currencyProblem ? true : undefined}
              aria-describedby={described || undefined}
            >
              {currencies.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.label}
                </option>
              ))}
            </select>
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
            <input
              value={timeZone}
              onChange={(e) => {
                setTimeZone(e.target.value);
                setZoneChoices([]);
              }}
              list="time-zones"
              name="time_zone"
              aria-describedby="time-zone-hint"
            />
            <datalist id="time-zones">
              {zoneList.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </label>
          <p id="time-zone-hint" className="muted small">
            A city is enough, such as London or New York.
          </p>
          {zoneChoices.length > 0 && (
            <fieldset className="zone-choices">
              <legend>Which time zone?</legend>
              {zoneChoices.slice(0, MAX_ZONE_CHOICES).map((zone) => (
                <button
                  key={zone}
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => {
                    setTimeZone(zone);
                    setZoneChoices([]);
                    setError(null);
                  }}
                >
                  {zone.replace(/_/g, " ")}
                </button>
              ))}
              {zoneChoices.length > MAX_ZONE_CHOICES && (
                <p className="muted small">{zoneChoices.length - MAX_ZONE_CHOICES} more match: type more of the name.</p>
              )}
            </fieldset>
          )}
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
