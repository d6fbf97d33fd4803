import { useParams } from "react-router-dom";
import { PageTitle, Spinner } from "../../components/ui";
import FindingCard, { photosById } from "../review/FindingCard";
import { formatCostRange, formatDate, formatMoney, plural, viewerTimeZone } from "../../lib/format";
import { SharedFailureCard, sharedFailure, useNoIndex } from "../review/SharedReportPage";
import { ASK_TO_READER } from "./decision";
import { decisionApi, type RepairItem } from "./decisionApi";
import { useSharedRepairList } from "./queries";
import "../account/account.css";
import "../review/review.css";
import "./decision.css";

function AskLine({ item, currency }: { item: RepairItem; currency: string }) {
  return (
    <p className={`repair-ask ask-${item.ask}`} data-testid="repair-ask">
      <strong>{ASK_TO_READER[item.ask]}</strong>
      {item.amount !== null && <>: {formatMoney(item.amount, currency)}</>}
    </p>
  );
}

// The reader is the seller or landlord, so "the owner" would read as them; "the buyer" may be a tenant.
const ASKER = "the person who inspected this home";

/**
 * A repair list opened from its link, with no sign-in: what the person who inspected the home asks the reader for, finding by finding
 * (each with its photos and the spot marked), the owner's note and the total. Read-only.
 */
export default function SharedRepairListPage() {
  const { token = "" } = useParams();
  const query = useSharedRepairList(token);
  const list = query.data ?? null;
  const failure = query.error ? sharedFailure(query.error) : null;
  useNoIndex();

  if (failure) return <SharedFailureCard failure={failure} what="repair list" />;
  if (!list) return <Spinner label="Opening the repair list…" />;

  const address = list.address?.trim() || "A home";
  const { total } = list;
  const withAmount = list.items.filter((item) => item.amount !== null).length;
  return (
    <article className="report shared-report shared-repair-list" data-testid="shared-repair-list">
      <p className="eyebrow">Repair list</p>
      <PageTitle title={`Repair list: ${address}`}>{address}</PageTitle>
      <p className="muted">
        The person who inspected this home asks you for the following, finding by finding. Read-only, version {list.version}, saved{" "}
        {formatDate(list.updated_at, { dateOnly: true })}; the link works until {formatDate(list.share.expires_at, { dateOnly: true })}.
      </p>
      {list.newer_version && (
        <p className="alert alert-info" role="status" data-testid="repair-newer-version">
          A newer version of this list has been made since. This link shows version {list.version} as it was sent; ask {ASKER} for the
          newer one.
        </p>
      )}
      {list.note && (
        <section className="card repair-note" aria-labelledby="repair-note-title">
          <h2 id="repair-note-title">A note from {ASKER}</h2>
          <p data-testid="repair-note">{list.note}</p>
        </section>
      )}

      <section className="card findings" aria-labelledby="repair-items-title">
        <h2 id="repair-items-title">What is asked ({list.items.length})</h2>
        <ul className="finding-cards">
          {list.items.map((item) =>
            item.finding ? (
              <FindingCard key={item.finding_id} finding={item.finding} photos={photosById([{ images: item.photos }])} currency={total.currency}>
                <AskLine item={item} currency={total.currency} />
              </FindingCard>
            ) : (
              <li key={item.finding_id} className="finding-card" data-testid="finding">
                <p className="muted">A finding since removed from the report.</p>
                <AskLine item={item} currency={total.currency} />
              </li>
            ),
          )}
        </ul>
      </section>

      <section className="card repair-total-card" aria-labelledby="repair-total-title" data-testid="repair-total">
        <h2 id="repair-total-title">In total</h2>
        {withAmount > 0 ? (
          <p>
            {/* The sum is of the amounts given: "over 3 findings" read as if all three had one. */}
            Amounts asked: <strong>{formatMoney(total.asked, total.currency)}</strong> for {plural(withAmount, "finding")}
            {withAmount < list.items.length && `; ${plural(list.items.length - withAmount, "other finding")} without an amount`}.
          </p>
        ) : (
          <p>No amounts asked: {plural(list.items.length, "finding")} to repair or replace.</p>
        )}
        {total.findings_with_costs > 0 && (
          <p>
            {total.findings_with_costs < list.items.length
              ? `The person who inspected this home estimates the work on ${total.findings_with_costs} of the ${list.items.length} findings at `
              : "The person who inspected this home estimates the listed work at "}
            {formatCostRange(total.cost_low, total.cost_high, total.currency)}
            {total.findings_with_costs < list.items.length &&
              (list.items.length - total.findings_with_costs === 1 ? " (the other has no estimate)" : " (the others have no estimate)")}
            : estimates, not quotes.
          </p>
        )}
        <p className="actions">
          {/* The reader's own zone for the PDF's times, as the page shows them. */}
          <a className="btn btn-secondary" href={decisionApi.sharedRepairListPdfUrl(token, viewerTimeZone())}>
            Download PDF
          </a>
          <a className="btn btn-ghost" href={decisionApi.sharedRepairListCsvUrl(token)}>
            Download CSV
          </a>
        </p>
      </section>
    </article>
  );
}
