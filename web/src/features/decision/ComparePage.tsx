import { useId, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Alert, PageTitle, Spinner } from "../../components/ui";
import { SeverityChips } from "../review/SeverityChips";
import { whoAnswered } from "../review/reviewApi";
import { errorLines, saveBlob } from "../../lib/account";
import { formatCostRange, formatDate, plural } from "../../lib/format";
import { COMPARE_MIN, parseScanIds } from "./decision";
import { decisionApi, type ComparedScan } from "./decisionApi";
import "../review/review.css";
import "./decision.css";
import { useComparison, useSetVerdict } from "./queries";

const RATINGS = [1, 2, 3, 4, 5] as const;

/** The house type with who gave it; one nobody gave is "Not determined" (as in the report), never a type. */
function houseTypeText(scan: ComparedScan): string {
  const answer = scan.house_type;
  if (answer.value === null || answer.value === undefined) return "Not determined";
  const who = whoAnswered(answer);
  return `${answer.text || String(answer.value)}${who ? ` · ${who === "You" ? "by you" : who}` : ""}`;
}

/**
 * Homes side by side (2–4 of the person's scans, `?scan_ids=`): findings by severity, what they may cost, how much
 * was assessed, house type (and who gave it), rooms, pros and cons, and the person's own rating and note of each.
 * One card per home: side by side on a wide screen, one under the other on a phone.
 */
export default function ComparePage() {
  const [params] = useSearchParams();
  const ids = parseScanIds(params.get("scan_ids"));
  const comparison = useComparison(ids, ids.length >= COMPARE_MIN);
  const scans = comparison.data ?? null;
  const [csvError, setError] = useState<string[] | null>(null);
  const error = csvError ?? (comparison.error ? errorLines(comparison.error, "The homes could not be compared.") : null);

  async function csv() {
    try {
      const { blob, filename } = await decisionApi.compareCsv(ids);
      saveBlob(blob, filename ?? "comparison.csv");
    } catch (err) {
      setError(errorLines(err, "The CSV could not be downloaded."));
    }
  }

  return (
    <section className="compare" data-testid="compare">
      <div className="page-head">
        <PageTitle title="Compare homes">Compare homes</PageTitle>
        <div className="actions">
          {scans && (
            <button type="button" className="btn btn-secondary" onClick={() => void csv()}>
              Download CSV
            </button>
          )}
          <Link to="/" className="btn btn-ghost">
            All scans
          </Link>
        </div>
      </div>
      {ids.length < COMPARE_MIN && <Alert tone="info" lines={["Pick 2 to 4 of your scans on the scans page to compare them."]} />}
      {error && <Alert lines={error} />}
      {ids.length >= COMPARE_MIN && !scans && !error && <Spinner label="Comparing the homes…" />}
      {scans && (
        <ol className="compare-grid" aria-label="Homes compared">
          {scans.map((scan, i) => (
            <HomeCard key={scan.scan_id} scan={scan} index={i} />
          ))}
        </ol>
      )}
    </section>
  );
}

/** A home's card; its title is the address and when the scan was made (in the account's zone). */
function HomeCard({ scan, index }: { scan: ComparedScan; index: number }) {
  const name = scan.address?.trim() || `Home ${index + 1}`;
  const when = formatDate(scan.scanned_at);
  const headingId = useId();
  const { assessed, cost } = scan;
  // Products the models looked for and did not see are not answers: they count as the report counts them.
  const answered = assessed.by_person + assessed.by_model;
  return (
    <li className="card compare-home" aria-labelledby={headingId} data-testid="compare-home">
      <h2 id={headingId} className="compare-title">
        <Link to={`/scans/${scan.scan_id}`}>{when ? `${name} · ${when}` : name}</Link>
      </h2>
      <dl className="compare-aspects">
        <div>
          <dt>Findings</dt>
          <dd>
            <SeverityChips counts={scan.findings_by_severity} empty="None recorded" />
          </dd>
        </div>
        <div>
          <dt>What it may cost</dt>
          <dd data-testid="compare-cost">
            {cost.findings_with_costs > 0 ? (
              <>
                {formatCostRange(cost.low, cost.high, cost.currency)}{" "}
                <span className="muted small">
                  over {plural(cost.findings_with_costs, "finding")}
                  {cost.findings_without_costs > 0 && `; ${cost.findings_without_costs} without a cost`}
                </span>
              </>
            ) : (
              <span className="muted">No costs recorded</span>
            )}
          </dd>
        </div>
        <div>
          <dt>How much was assessed</dt>
          <dd data-testid="compare-assessed">
            {answered} of {assessed.total} items answered
            <span className="muted small">
              {" "}
              (by you: {assessed.by_person}, by the models: {assessed.by_model})
              {assessed.not_seen > 0 && `; ${plural(assessed.not_seen, "product")} looked for and not seen`}; {assessed.not_assessed}{" "}
              not assessed
            </span>
            <progress max={Math.max(assessed.total, 1)} value={answered} aria-label={`${name}: ${answered} of ${assessed.total} answered`} />
          </dd>
        </div>
        <div>
          <dt>House type</dt>
          <dd>{houseTypeText(scan)}</dd>
        </div>
        <div>
          <dt>Rooms</dt>
          <dd>
            {scan.rooms}
            {scan.room_names.length > 0 && <span className="muted small"> · {scan.room_names.join(", ")}</span>}
          </dd>
        </div>
        <div>
          <dt>Pros</dt>
          <dd>{scan.pros.length ? <ul>{scan.pros.map((p, i) => <li key={i}>{p}</li>)}</ul> : <span className="muted">None recorded</span>}</dd>
        </div>
        <div>
          <dt>Cons</dt>
          <dd>{scan.cons.length ? <ul>{scan.cons.map((c, i) => <li key={i}>{c}</li>)}</ul> : <span className="muted">None recorded</span>}</dd>
        </div>
      </dl>
      <Verdict scan={scan} name={name} />
    </li>
  );
}

/** The person's own rating (1–5, a radio group) and note of one home, each saved as it is given. */
function Verdict({ scan, name }: { scan: ComparedScan; name: string }) {
  const [rating, setRating] = useState<number | null>(scan.rating);
  const [note, setNote] = useState(scan.note ?? "");
  const [savedNote, setSavedNote] = useState(scan.note ?? "");
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string[] | null>(null);
  const setVerdict = useSetVerdict();
  const group = useId();

  async function save(body: { rating?: number; note?: string | null }, done: string) {
    setError(null);
    setStatus("Saving…");
    try {
      const saved = await decisionApi.putVerdict(scan.scan_id, body);
      setVerdict(saved);
      setRating(saved.rating);
      setSavedNote(saved.note ?? "");
      setStatus(done);
    } catch (err) {
      setStatus("");
      setError(errorLines(err, "Your verdict could not be saved."));
    }
  }

  return (
    <div className="compare-verdict">
      <fieldset className="rating" data-testid="rating">
        <legend>Your rating of {name}</legend>
        <div className="rating-options">
          {RATINGS.map((n) => (
            <label key={n} className="rating-option">
              <input
                type="radio"
                name={`rating-${group}`}
                value={n}
                checked={rating === n}
                onChange={() => {
                  setRating(n);
                  void save({ rating: n }, `Rated ${n} of 5`);
                }}
                aria-label={`${n} of 5`}
              />
              <span aria-hidden="true">{n}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label className="field">
        <span>Your note on {name}</span>
        <textarea rows={2} maxLength={4000} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button type="button" className="btn btn-secondary btn-small" disabled={note === savedNote} onClick={() => void save({ note: note.trim() || null }, "Note saved")}>
        Save note
      </button>
      <p className="muted small" role="status" aria-live="polite" data-testid="verdict-status">
        {status}
      </p>
      {error && <Alert lines={error} />}
    </div>
  );
}
