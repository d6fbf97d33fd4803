import { SEVERITIES, SEVERITY_TITLE, TRADE_TITLE, personWord, type Report, type ReportRoom, type Trade } from "./reviewApi";
import WhatToPhotograph from "./WhatToPhotograph";
import { formatCostRange, plural } from "../../lib/format";
import type { Audience } from "../../lib/types";

type Item = Report["limitations"]["items"][number];

/** "7 of 12 checked" (after `what` when given), with a bar a screen reader reads as the same words. */
export function CheckedProgress({ checked, total, label, what }: { checked: number; total: number; label: string; what?: string }) {
  if (total === 0) return null;
  return (
    <p className="checked-progress small" data-testid="checked-progress">
      <span>
        {what && `${what}: `}
        {checked} of {total} checked
      </span>
      <progress max={total} value={checked} aria-label={`${label}: ${checked} of ${total} checked`} />
    </p>
  );
}

/** How much of the house was checked: the rooms' checklists together. */
/** The whole home's checklists: every room's and the house's own, as the capture page's "Whole home" counts. */
export function houseChecked(report: Report): { checked: number; total: number } {
  const house = Object.values(report.house.checklist);
  return report.rooms.reduce(
    (sum, room) => ({ checked: sum.checked + (room.checked ?? 0), total: sum.total + (room.checklist_total ?? 0) }),
    { checked: house.filter((answer) => answer.source === "person").length, total: house.length },
  );
}

function groupByRoom(items: Item[]): [string, Item[]][] {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const name = item.scope === "house" ? "The house" : item.room_name ?? "A room";
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return [...groups.entries()];
}

/** Cost totals by severity and by trade, when any finding has a cost: the owner's estimates, in the report and on a shared one. */
export function CostTotals({ costs, audience = "owner" }: { costs: Report["costs"]; audience?: Audience }) {
  if (!costs || costs.findings_with_costs === 0) return null;
  const range = (r: { low: number; high: number }) => formatCostRange(r.low, r.high, costs.currency);
  return (
    <section className="card cost-totals" aria-labelledby="cost-totals-title" data-testid="cost-totals">
      <h2 id="cost-totals-title" className="section-title">
        What it may cost
      </h2>
      <p>
        <strong>{range(costs)}</strong> over {plural(costs.findings_with_costs, "finding")} with a cost
        {costs.findings_without_costs > 0 && `; ${plural(costs.findings_without_costs, "finding")} without one`}.
      </p>
      <p className="muted small">Estimates by {personWord(audience).who}, not quotes.</p>
      <div className="cost-tables">
        <div>
          <h3 id="cost-by-severity" className="cost-head">
            By severity
          </h3>
          <dl aria-labelledby="cost-by-severity">
            {SEVERITIES.filter((s) => costs.by_severity[s]).map((s) => (
              <div key={s} className="cost-row">
                <dt>{SEVERITY_TITLE[s]}</dt>
                <dd>{range(costs.by_severity[s])}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div>
          <h3 id="cost-by-trade" className="cost-head">
            By trade
          </h3>
          <dl aria-labelledby="cost-by-trade">
            {Object.entries(costs.by_trade).map(([trade, r]) => (
              <div key={trade} className="cost-row">
                {/* The findings without a trade come as "unassigned": named as the PDF names them. */}
                <dt>{trade === "unassigned" ? "No trade named" : (TRADE_TITLE[trade as Trade] ?? trade)}</dt>
                <dd>
                  {range(r)} ({plural(r.count ?? 0, "finding")})
                </dd>
              </div>
            ))}
          </dl>
        </div>
      </div>
    </section>
  );
}

/** Photos that may show too little (blurred, dark, washed out, small, repeated), one line a photo. A photo not
 * measured yet is not listed, which does not make it fine. */
function PhotoQuality({ report }: { report: Report }) {
  const flagged = report.limitations.photo_quality ?? [];
  if (flagged.length === 0) return null;
  const byPhoto = new Map<string, typeof flagged>();
  for (const entry of flagged) byPhoto.set(entry.image_id, [...(byPhoto.get(entry.image_id) ?? []), entry]);
  const photoNumber = (roomId: string, imageId: string) =>
    (report.rooms.find((r) => r.id === roomId)?.images.findIndex((i) => i.id === imageId) ?? -1) + 1;
  return (
    <div data-testid="photo-quality">
      <h3 className="small-title">Photos that may show too little ({byPhoto.size})</h3>
      <ul>
        {[...byPhoto.entries()].map(([imageId, entries]) => {
          const n = photoNumber(entries[0].room_id, imageId);
          return (
            <li key={imageId}>
              <strong>
                {entries[0].room_name}
                {n > 0 && `, photo ${n}`}:
              </strong>{" "}
              {entries.map((e) => e.sentence).join(" ")}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * What the report covers and what it does not, in plain words: the server's statement, who judged what, the
 * items nobody judged (by room, folded), rooms without photos or analysis, what could not be seen.
 */
export function ScopeAndLimitations({
  report,
  audience,
  onAddPhotos,
}: {
  report: Report;
  audience: Audience;
  /** The owner's way to add photos to a room whose photos did not show what its checklist asks. */
  onAddPhotos?: (room: ReportRoom, files: File[]) => Promise<void>;
}) {
  const { limitations, assessed } = report;
  const person = personWord(audience);
  const notAssessed = limitations.items.filter((i) => i.reason === "not_assessed");
  const notVisible = limitations.items.filter((i) => i.reason === "not_visible");
  const house = houseChecked(report);
  return (
    <section className="card limitations" aria-labelledby="limitations-title" data-testid="limitations">
      <h2 id="limitations-title" className="section-title">
        Scope and limitations
      </h2>
      <p data-testid="limitations-statement">{limitations.statement}</p>
      <ul className="assessed-by" data-testid="assessed-by">
        <li>
          {plural(assessed.by_person, "item")} judged by {person.who}
        </li>
        <li>{plural(assessed.by_model, "item")} by the models (room types and products: they cannot judge condition)</li>
        {assessed.not_seen > 0 && (
          <li>{plural(assessed.not_seen, "product")} looked for by the models and not seen in the photos</li>
        )}
        <li>
          {plural(limitations.not_assessed, "item")} not assessed by anyone, of {assessed.total}
        </li>
      </ul>
      {/* Said apart from the items above (their total counts the products too): "1 of 37" under "1 of 53" read as a mistake. */}
      <CheckedProgress checked={house.checked} total={house.total} label="The whole house" what="Checklists, products apart" />
      {limitations.rooms_without_photos.length > 0 && (
        <p data-testid="rooms-without-photos">
          <strong>Rooms without photos:</strong> {limitations.rooms_without_photos.map((r) => r.name).join(", ")}. Nothing in them was
          seen.
        </p>
      )}
      {(limitations.rooms_not_analysed ?? []).length > 0 && (
        <p>
          <strong>Rooms the models did not analyse:</strong> {(limitations.rooms_not_analysed ?? []).map((r) => r.name).join(", ")}.
        </p>
      )}
      <PhotoQuality report={report} />
      <WhatToPhotograph report={report} onAddPhotos={onAddPhotos} />
      {notVisible.length > 0 && (
        <div data-testid="not-visible">
          <h3 className="small-title">Not visible ({notVisible.length})</h3>
          <p className="muted small">Looked for by {person.who}, but could not be seen.</p>
          <ul>
            {notVisible.map((item) => (
              <li key={`${item.scope}/${item.item_id}`}>
                {item.title}
                {item.room_name && <span className="muted"> · {item.room_name}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {notAssessed.length > 0 && (
        <div data-testid="not-assessed-items">
          <h3 className="small-title">Not assessed ({notAssessed.length})</h3>
          {groupByRoom(notAssessed).map(([room, items]) => (
            <details key={room} className="not-assessed-room">
              <summary>
                {room}: {plural(items.length, "item")}
              </summary>
              <ul>
                {items.map((item) => (
                  <li key={`${item.scope}/${item.item_id}`}>{item.title}</li>
                ))}
              </ul>
            </details>
          ))}
        </div>
      )}
    </section>
  );
}
