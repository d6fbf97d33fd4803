import { useEffect, useId, useState } from "react";
import { Link } from "react-router-dom";
import { TRADE_TITLE } from "../review/reviewApi";
import { formatCostRange } from "../../lib/format";
import type { Trade } from "../../lib/types";
import type { CostGuideRow } from "./decisionApi";
import { useCostGuide } from "./queries";

/** What a taken suggestion fills in: whole amounts, and the row's id as the cost's source. */
export interface TakenCost {
  id: string;
  low: number;
  high: number;
}

export function takenCost(row: CostGuideRow): TakenCost {
  return { id: row.id, low: Math.round(row.low), high: Math.round(row.high) };
}

/** The guide's currency when none of its rows is in the account's (a guide in one currency: no rate is applied). */
function otherCurrency(rows: CostGuideRow[]): string | null {
  return rows.length > 0 && rows.every((row) => !row.in_account_currency) ? rows[0].currency : null;
}

/**
 * "Suggest from cost guide": the guide's typical jobs for the finding's trade (or every trade), each an
 * estimate with its year and its source, scaled by the person's regional factor. Nothing is filled in until
 * the person takes a row.
 */
export default function CostGuidePicker({ trade, onTake }: { trade: Trade | null; onTake: (cost: TakenCost) => void }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  // Typing waits a moment before asking, so each key is not a request.
  const [asked, setAsked] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setAsked(query), 250);
    return () => clearTimeout(timer);
  }, [query]);
  const costGuide = useCostGuide(trade, asked, open);
  const guide = costGuide.data ?? null;
  const error = costGuide.error ? (costGuide.error instanceof Error ? costGuide.error.message : "The cost guide could not be loaded.") : null;
  const panelId = useId();

  const factor = guide?.cost_factor ?? 1;
  // The finding's trade has no job in the guide at all: nothing to search, so no search box.
  const tradeWithoutJobs = Boolean(trade && !asked.trim() && !query.trim() && guide && guide.rows.length === 0);
  return (
    <div className="cost-guide">
      <button type="button" className="btn btn-secondary btn-small" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {open ? "Hide the cost guide" : "Suggest from cost guide"}
      </button>
      {open && (
        <div id={panelId} className="cost-guide-panel" role="region" aria-label="Cost guide suggestions">
          {!tradeWithoutJobs && (
            <label className="field">
              <span>
                Search the guide{trade ? ` (${TRADE_TITLE[trade]} jobs)` : " (every trade)"}
              </span>
              <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} name="cost-guide-q" placeholder="e.g. shower, rewire, damp" />
            </label>
          )}
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
          {guide && (
            <>
              <p className="muted small" data-testid="cost-guide-note">
                {guide.note}
                {factor !== 1 && ` Figures are multiplied by your regional factor, ${factor}, set in Settings.`}
              </p>
              {guide.rows.length === 0 && (
                <p className="muted small" data-testid="cost-guide-empty">
                  {tradeWithoutJobs && trade
                    ? `The guide has no ${TRADE_TITLE[trade]} jobs yet (it lists only jobs with a published source). Type the range yourself.`
                    : "No job in the guide matches. Type the range yourself."}
                </p>
              )}
              {otherCurrency(guide.rows) && (
                <p className="small" data-testid="cost-guide-currency">
                  The guide is in {otherCurrency(guide.rows)}, not your account’s currency, so its figures are shown
                  for reference only: type your own range, or change the currency in <Link to="/settings">Settings</Link>.
                </p>
              )}
              <ul className="cost-guide-rows" aria-live="polite">
                {guide.rows.map((row) => {
                  const range = formatCostRange(Math.round(row.low), Math.round(row.high), row.currency);
                  return (
                    <li key={row.id} data-testid="cost-guide-row">
                      <strong>{row.job}</strong>
                      <span>
                        Estimate: {range}
                        {factor !== 1 && <span className="muted"> (the guide says {formatCostRange(row.guide_low, row.guide_high, row.currency)})</span>}
                      </span>
                      <span className="muted small">
                        {TRADE_TITLE[row.trade]} · figures of {row.year} · Source:{" "}
                        <a href={row.source.url} target="_blank" rel="noreferrer noopener">
                          {row.source.title}
                        </a>
                      </span>
                      {row.in_account_currency ? (
                        <button type="button" className="btn btn-ghost btn-small" onClick={() => onTake(takenCost(row))} aria-label={`Use ${row.job}: ${range}`}>
                          Use this estimate
                        </button>
                      ) : (
                        <span className="muted small">In {row.currency}, not your currency: no exchange rate is applied, so it is not filled in.</span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
          {!guide && !error && <p className="muted small">Loading the guide…</p>}
        </div>
      )}
    </div>
  );
}
