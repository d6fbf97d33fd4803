import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, ConfirmButton, PageTitle, Spinner } from "../../components/ui";
import ChecklistReview from "./ChecklistReview";
import FindingsPanel, { type FindingDraft } from "./FindingsPanel";
import RoomReview from "./RoomReview";
import {
  HOUSE_TYPES,
  answerValue,
  label,
  percent,
  reviewApi,
  whoAnswered,
  type Answer,
} from "./reviewApi";
import { CostTotals, ScopeAndLimitations } from "./ReportFrame";
import "./review.css";
import ShareButton from "../account/ShareButton";
import { accountPreferences, adoptedPreferences } from "../account/preferences";
import { api, ApiError } from "../../lib/api";
import { plural, scannedAndUpdated } from "../../lib/format";
import type { HouseType, ScanDetail } from "../../lib/types";
import HomeOverTime from "../decision/HomeOverTime";
import RepairListPanel from "../decision/RepairListPanel";
import { scanKeys } from "../scans/queries";
import { useInvalidateReport, useReport } from "./queries";

/**
 * The report of a finished scan: the summary first (findings by severity with their photos and marks, what
 * they may cost), then its scope and limitations, then the house and each room, every answer editable.
 */
export default function ReportPage({ scan }: { scan: ScanDetail }) {
  const scanId = scan.id;
  const { data: report, error: loadError, dataUpdatedAt } = useReport(scanId);
  const invalidateReport = useInvalidateReport(scanId);
  const queryClient = useQueryClient();
  // A failed save says why; so does a failed read of a report already on screen.
  const [saveError, setError] = useState<string | null>(null);
  useEffect(() => setError(null), [dataUpdatedAt]); // a fresh read shows what was saved
  const error = saveError ?? (loadError ? (loadError instanceof ApiError ? loadError.message : "The report could not be loaded.") : null);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState<FindingDraft | null>(null);
  const [currency, setCurrency] = useState<string | null>(() => adoptedPreferences()?.currency ?? null);

  // The account's time zone writes every date; its currency the costs (filled from the browser when unset).
  useEffect(() => {
    let live = true;
    void accountPreferences().then((preferences) => live && setCurrency(preferences.currency ?? null));
    return () => {
      live = false;
    };
  }, []);

  // Edits made in the person's other tabs arrive as `scan:updated`, which refreshes the cached report (QueryProvider).
  const saved = useCallback(() => {
    setNotice("Saved");
    setError(null);
    void invalidateReport();
  }, [invalidateReport]);

  const makeFinding = useCallback((roomId: string | null, itemId: string, answer: Answer) => {
    const value = answerValue(answer.value);
    const poor = value === "Poor" || (typeof value === "object" && value?.condition === "Poor");
    setDraft({
      key: Date.now(),
      title: `${answer.title ?? itemId}${poor ? ": poor" : ""}`,
      severity: poor ? "maintenance" : "major",
      room_id: roomId,
      note: answer.note ?? null,
      photo_ids: answer.photo_ids ?? [],
      checklist_item_id: itemId,
    });
  }, []);

  if (!report) {
    return error ? <Alert lines={[error]} title="Could not open the report" /> : <Spinner label="Opening the report…" />;
  }
  const title = report.house.address?.trim() || "Untitled home";
  const photos = report.rooms.reduce((n, r) => n + r.images.length, 0);
  const audience = report.audience ?? "owner";
  const houseType = report.house.house_type;
  const guess = houseType.candidates?.[0];
  const editable = true;
  const cost = scan.summary?.cost_summary as Record<string, unknown> | undefined;

  return (
    <article className="report review-report" data-testid="report">
      <div className="page-head">
        <div>
          <p className="eyebrow">Inspection report</p>
          <PageTitle title={`Report: ${title}`}>{title}</PageTitle>
          <p className="muted">
            <span data-testid="report-times">{scannedAndUpdated(report.scanned_at, report.updated_at)}</span> ·{" "}
            {plural(report.rooms.length, "room")} · {plural(photos, "photo")}
          </p>
        </div>
        <div className="actions report-actions no-print">
          <PdfButton scanId={scanId} />
          <ShareButton scanId={scanId} />
          <button type="button" className="btn btn-secondary" onClick={() => window.print()}>
            Print
          </button>
          <Link to="/" className="btn btn-ghost">
            All scans
          </Link>
        </div>
      </div>
      {error && <Alert lines={[error]} title="Not saved" />}
      {report.rooms.some((room) => room.photos_changed) && (
        <div className="alert reanalyse no-print" role="status">
          <p>
            New photos in {report.rooms.filter((room) => room.photos_changed).map((room) => room.name).join(", ")}. Your answers
            stay; only these rooms are analysed again.
          </p>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() =>
              void reviewApi.reanalyse(scanId).then(
                // The scan reads as queued again: ScanPage shows its progress.
                () => void queryClient.invalidateQueries({ queryKey: scanKeys.detail(scanId) }),
                (err: Error) => setError(err.message),
              )
            }
          >
            Re-analyse
          </button>
        </div>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {notice}
      </p>

      <section className="card summary" aria-labelledby="summary-title">
        <h2 id="summary-title" className="section-title">
          Summary
        </h2>
        <p data-testid="summary">{report.summary}</p>
      </section>

      <FindingsPanel
        scanId={scanId}
        findings={report.findings}
        counts={report.finding_counts}
        rooms={report.rooms}
        draft={draft}
        editable={editable}
        currency={report.costs?.currency || currency}
        onSaved={saved}
        onError={setError}
      />

      <CostTotals costs={report.costs} />

      <RepairListPanel scanId={scanId} findings={report.findings} currency={report.costs?.currency || currency || "EUR"} />

      <HomeOverTime scan={scan} houseTypeByPerson={houseType.source === "person" ? (houseType.value as HouseType | null) : null} />

      <ScopeAndLimitations
        report={report}
        audience={audience}
        onAddPhotos={(room, files) => reviewApi.addPhotos(scanId, room.ordinal, files).then(saved)}
      />

      <section className="card overview" aria-labelledby="overview-title">
        <h2 id="overview-title" className="section-title">
          The house
        </h2>
        <div className="house-type" data-testid="house-type">
          <span className="label">House type</span>
          <span className="pill pill-neutral">{houseType.text}</span>
          <span className="who">{whoAnswered(houseType)}</span>
          {answerValue(houseType.value) === null && guess && (
            <span className="muted small">
              The model’s guess ({label(guess.value)}, {percent(guess.confidence)}) is below
              the {percent(report.thresholds?.house_type_min_confidence)} it needs.
            </span>
          )}
          <select
            aria-label="Set the house type"
            value={houseType.source === "person" && typeof houseType.value === "string" ? houseType.value : ""}
            onChange={(e) =>
              e.target.value &&
              void reviewApi
                .putAnswer(scanId, "house", "house_type", { value: e.target.value })
                .then(saved, (err: Error) => setError(err.message))
            }
          >
            <option value="">Set the house type…</option>
            {HOUSE_TYPES.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
          {houseType.source === "person" && (
            <ConfirmButton
              label={houseType.model_value == null ? "Clear my answer" : "Use the model’s answer"}
              confirmLabel="Remove my house type"
              onConfirm={() => void reviewApi.revertAnswer(scanId, "house", "house_type").then(saved, (err: Error) => setError(err.message))}
              className="btn btn-ghost btn-small"
            />
          )}
        </div>
      </section>

      <section className="pros-cons" aria-label="Pros and cons">
        <div className="card pros">
          <h2 className="section-title">Pros</h2>
          {report.pros.length ? (
            <ul>
              {report.pros.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None recorded.</p>
          )}
        </div>
        <div className="card cons">
          <h2 className="section-title">Cons</h2>
          {report.cons.length ? (
            <ul>
              {report.cons.map((c, i) => (
                <li key={i}>{c}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None recorded.</p>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="house-checklist-title">
        <h2 id="house-checklist-title" className="section-title">
          House checklist
        </h2>
        <ChecklistReview
          scanId={scanId}
          scope="house"
          entries={Object.entries(report.house.checklist).map(([itemId, answer]) => ({ itemId, answer }))}
          photos={report.rooms.flatMap((r) => r.images)}
          findings={report.findings}
          editable={editable}
          onSaved={saved}
          onError={setError}
          onMakeFinding={(itemId, answer) => makeFinding(null, itemId, answer)}
          label="House checklist"
        />
      </section>

      <section aria-labelledby="rooms-title">
        <h2 id="rooms-title" className="section-title section-title-lg">
          Rooms
        </h2>
        {report.rooms.map((room) => (
          <RoomReview
            key={room.id}
            scanId={scanId}
            room={room}
            findings={report.findings}
            editable={editable}
            onSaved={saved}
            onError={setError}
            onMakeFinding={makeFinding}
          />
        ))}
      </section>

      {cost && (
        <details className="card cost" data-testid="cost">
          <summary>Cost of this scan (only you see this)</summary>
          <p>
            ${Number(cost.total_cost_usd ?? 0).toFixed(4)} ·{" "}
            {(Number(cost.total_tokens_in ?? 0) + Number(cost.total_tokens_out ?? 0)).toLocaleString("en-US")} tokens ·{" "}
            {Number(cost.compute_seconds ?? 0).toFixed(1)} s of computing
          </p>
        </details>
      )}
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
      <button type="button" className="btn btn-primary" onClick={download} disabled={busy} aria-busy={busy}>
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
