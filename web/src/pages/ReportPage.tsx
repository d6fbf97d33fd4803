import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { PageTitle } from "../components/ui";
import {
  answerRows,
  confidenceText,
  costLines,
  formatSeconds,
  formatUsd,
  humanize,
  productRows,
  type AnswerRow,
} from "../lib/answers";
import { api, ApiError } from "../lib/api";
import { checklists, type MergedChecklists } from "../lib/checklists";
import { formatDate, plural, roomName } from "../lib/format";
import type { RoomRead, RoomResult, ScanDetail } from "../lib/types";

const EMPTY: MergedChecklists = { house: [], room: [], product: [] };

function useChecklists(): MergedChecklists {
  const [lists, setLists] = useState<MergedChecklists>(EMPTY);
  useEffect(() => {
    let cancelled = false;
    checklists
      .merged()
      .then((merged) => {
        if (!cancelled && merged) setLists({ house: merged.house ?? [], room: merged.room ?? [], product: merged.product ?? [] });
      })
      .catch(() => undefined); // titles fall back to the item ids
    return () => {
      cancelled = true;
    };
  }, []);
  return lists;
}

function AnswerTable({ rows, caption }: { rows: AnswerRow[]; caption: string }) {
  if (rows.length === 0) return <p className="muted">No checklist answers.</p>;
  const assessed = rows.filter((r) => r.tone !== "unassessed").length;
  return (
    <table className="answers">
      <caption className="visually-hidden">{caption}</caption>
      <thead className="visually-hidden">
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Answer</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} className={`answer-${row.tone}`} data-testid="answer-row">
            <th scope="row">
              <span className="answer-title">{row.title}</span>
              {row.description && <span className="answer-desc">{row.description}</span>}
            </th>
            <td>
              <span className={`pill pill-${row.tone}`}>{row.value}</span>
              {row.confidence !== null && row.tone !== "unassessed" && (
                <span className="confidence">{confidenceText(row.confidence)} sure</span>
              )}
              {row.details.length > 0 && (
                <ul className="answer-details">
                  {row.details.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={2} className="muted small">
            {assessed} of {plural(rows.length, "item")} assessed from the photos; the rest could not be judged and are
            marked “Not assessed”.
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

function RoomSection({
  room,
  result,
  lists,
}: {
  room: RoomRead;
  result: RoomResult | undefined;
  lists: MergedChecklists;
}) {
  const types = (result?.room_types?.length ? result.room_types : room.detected_room_types) ?? [];
  const rows = answerRows(result?.issues, lists.room);
  const products = productRows(result?.products, lists.product);
  const found = products.filter((p) => p.present === true);
  const notFound = products.filter((p) => p.present === false);
  const unassessed = products.filter((p) => p.present === null);
  return (
    <article className="card room-report" data-testid="room-report" aria-labelledby={`room-${room.id}`}>
      <header className="room-head">
        <h3 id={`room-${room.id}`}>{roomName(room)}</h3>
        <div className="chips" aria-label="Detected room type">
          {types.length > 0 ? (
            types.map((t) => (
              <span key={t} className="chip">
                {humanize(t)}
              </span>
            ))
          ) : (
            <span className="chip chip-muted">Type not detected</span>
          )}
          {typeof result?.room_type_confidence === "number" && (
            <span className="confidence">{confidenceText(result.room_type_confidence)} sure</span>
          )}
        </div>
      </header>
      {result?.status === "failed" && (
        <div className="alert alert-warning" role="status">
          <strong className="alert-title">This room could not be analysed</strong>
          <p>{result.error ?? "No reason was given."}</p>
        </div>
      )}
      {room.images.length > 0 && (
        <ul className="photos" aria-label={`Photos of ${roomName(room)}`}>
          {room.images.map((image, i) => (
            <li key={image.id}>
              <img
                src={image.url}
                alt={`${roomName(room)}, photo ${i + 1}`}
                width={image.width}
                height={image.height}
                loading="lazy"
              />
            </li>
          ))}
        </ul>
      )}
      <div className="room-grid">
        <div>
          <h4>Condition checklist</h4>
          {result ? <AnswerTable rows={rows} caption={`Checklist for ${roomName(room)}`} /> : <p className="muted">No analysis for this room.</p>}
        </div>
        <div>
          <h4>Products found</h4>
          {found.length === 0 && <p className="muted">None identified in the photos.</p>}
          {found.length > 0 && (
            <ul className="products">
              {found.map((p) => (
                <li key={p.id} data-testid="product">
                  <span className="product-name">{p.title}</span>
                  {p.condition && <span className={`pill pill-${p.condition.toLowerCase() === "poor" ? "bad" : "neutral"}`}>{p.condition}</span>}
                  {p.confidence !== null && (
                    <span className="meter" title={`Confidence ${confidenceText(p.confidence)}`}>
                      <span className="meter-bar" aria-hidden="true">
                        <span style={{ width: confidenceText(p.confidence) }} />
                      </span>
                      <span className="meter-text">{confidenceText(p.confidence)} confidence</span>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
          {notFound.length > 0 && (
            <p className="muted small">Looked for, not seen: {notFound.map((p) => p.title).join(", ")}.</p>
          )}
          {unassessed.length > 0 && (
            <p className="muted small">Not assessed: {unassessed.map((p) => p.title).join(", ")}.</p>
          )}
        </div>
      </div>
    </article>
  );
}

export default function ReportPage({ scan }: { scan: ScanDetail }) {
  const lists = useChecklists();
  const summaryJson = scan.summary?.summary_json ?? null;
  const result = summaryJson?.result;
  // house_types is ranked, most likely first; the house's own type is the verdict.
  const houseTypes = useMemo(() => {
    const ranked = result?.house_types?.length ? result.house_types : scan.detected_house_types ?? [];
    const primary = scan.house?.house_type ?? ranked[0] ?? null;
    return { primary, others: ranked.filter((t) => t !== primary).slice(0, 2) };
  }, [result, scan]);
  const prosCons = result?.pros_cons ?? scan.summary?.pros_cons_json ?? {};
  const pros = prosCons.pros ?? [];
  const cons = prosCons.cons ?? [];
  const cost = summaryJson?.cost_info ?? scan.summary?.cost_summary ?? null;
  const rooms = [...scan.rooms].sort((a, b) => a.ordinal - b.ordinal);
  const roomResult = (room: RoomRead) =>
    result?.rooms?.find((r) => r.room_id === room.id || r.room_id === String(room.ordinal));
  const summaryText = result?.summary || summaryJson?.client_summary || "";
  const runs = scan.agent_runs ?? [];
  const imageCount = rooms.reduce((n, r) => n + r.images.length, 0);
  const title = scan.house?.address?.trim() || "Untitled home";

  return (
    <article className="report" data-testid="report">
      <div className="page-head">
        <div>
          <p className="eyebrow">Inspection report</p>
          <PageTitle title={`Report: ${title}`}>{title}</PageTitle>
          <p className="muted">
            Scanned {formatDate(scan.finished_at ?? scan.created_at)} · {plural(rooms.length, "room")} ·{" "}
            {plural(imageCount, "photo")}
          </p>
        </div>
        <div className="actions no-print">
          <button type="button" className="btn btn-secondary" onClick={() => window.print()}>
            Print report
          </button>
          {scan.status === "succeeded" && <PdfButton scanId={scan.id} />}
          <Link to="/" className="btn btn-ghost">
            All scans
          </Link>
        </div>
      </div>

      <section className="card overview" aria-labelledby="overview-title">
        <h2 id="overview-title" className="section-title">
          Overview
        </h2>
        <div className="overview-grid">
          <div>
            <span className="label">House type</span>
            <div className="chips" data-testid="house-type">
              {houseTypes.primary ? (
                <span className="chip chip-strong">{humanize(houseTypes.primary)}</span>
              ) : (
                <span className="chip chip-muted">Not determined</span>
              )}
              {houseTypes.primary && typeof result?.house_type_confidence === "number" && (
                <span className="confidence">{confidenceText(result.house_type_confidence)} sure</span>
              )}
            </div>
            {houseTypes.others.length > 0 && (
              <p className="muted small others">Also possible: {houseTypes.others.map(humanize).join(", ")}</p>
            )}
          </div>
          {summaryText && (
            <div className="summary-text">
              <span className="label">Summary</span>
              <p>{summaryText}</p>
            </div>
          )}
        </div>
      </section>

      <section className="pros-cons" aria-label="Pros and cons">
        <div className="card pros">
          <h2 className="section-title">Pros</h2>
          {pros.length ? (
            <ul>
              {pros.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None noted.</p>
          )}
        </div>
        <div className="card cons">
          <h2 className="section-title">Cons</h2>
          {cons.length ? (
            <ul>
              {cons.map((c, i) => (
                <li key={i}>{c}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None noted.</p>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="house-checklist-title">
        <h2 id="house-checklist-title" className="section-title">
          House checklist
        </h2>
        <AnswerTable rows={answerRows(result?.house_checklist, lists.house)} caption="House checklist" />
      </section>

      <section aria-labelledby="rooms-title">
        <h2 id="rooms-title" className="section-title section-title-lg">
          Rooms
        </h2>
        {rooms.map((room) => (
          <RoomSection key={room.id} room={room} result={roomResult(room)} lists={lists} />
        ))}
      </section>

      <section className="card cost" aria-labelledby="cost-title">
        <h2 id="cost-title" className="section-title">
          Cost of this scan
        </h2>
        {cost ? (
          <dl className="cost-list" data-testid="cost">
            {costLines(cost).map((line) => (
              <div key={line.label}>
                <dt>{line.label}</dt>
                <dd>{line.value}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <p className="muted">No cost information was recorded.</p>
        )}
        {(cost?.by_agent?.length ?? 0) > 0 ? (
          <details className="agent-costs">
            <summary>Per analysis step</summary>
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Model</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Time</th>
                </tr>
              </thead>
              <tbody>
                {cost!.by_agent!.map((a, i) => (
                  <tr key={i}>
                    <td>
                      {humanize(a.agent_name)}
                      {a.room_id ? ` (${roomName(rooms.find((r) => r.id === a.room_id) ?? { label: null, ordinal: 0 })})` : ""}
                    </td>
                    <td>{a.model ?? "—"}</td>
                    <td>{((a.tokens_in ?? 0) + (a.tokens_out ?? 0)).toLocaleString("en-US")}</td>
                    <td>{formatUsd(a.cost_usd ?? 0)}</td>
                    <td>{typeof a.seconds === "number" ? formatSeconds(a.seconds) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : runs.length > 0 ? (
          <p className="muted small">{plural(runs.length, "analysis step")} recorded.</p>
        ) : null}
      </section>
    </article>
  );
}

function PdfButton({ scanId }: { scanId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await api.reportPdf(scanId);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = filename ?? `housescan-report-${scanId.slice(0, 8)}.pdf`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The PDF could not be downloaded.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="btn btn-secondary" onClick={download} disabled={busy} aria-busy={busy}>
        {busy ? "Preparing PDF…" : "Download PDF"}
      </button>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
    </>
  );
}
