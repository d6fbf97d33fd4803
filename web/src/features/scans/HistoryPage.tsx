import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { Alert, ConfirmButton, PageTitle, Spinner, StatusBadge } from "../../components/ui";
import { ApiError } from "../../lib/api";
import { SeverityChips } from "../review/SeverityChips";
import "../review/review.css";
import { humanize } from "../../lib/answers";
import { formatDate, plural, scannedAndUpdated } from "../../lib/format";
import type { ScanListItem } from "../../lib/types";
import { UPLOADS_SENT_EVENT } from "../../lib/uploadQueue";
import { COMPARE_MAX, COMPARE_MIN, scanNames, toggleCompare } from "../decision/decision";
import "../decision/decision.css";
import { invalidateScanLists, useDeleteScan, useScans } from "./queries";

/** "Scan 2 of 3 of this home" on each scan of a home scanned more than once (its date is the next line's). */
export function scanOfHome(scan: ScanListItem): string | null {
  if (!scan.house_scans_count || scan.house_scans_count < 2) return null;
  return `Scan ${scan.house_scan_number} of ${scan.house_scans_count} of this home`;
}

// A scan's cover: the thumbnail of its first photo (~3 kB), never the photo itself.
const COVER_STYLE = { width: 72, height: 54, objectFit: "cover", borderRadius: 8, flex: "none", background: "#e8ecef" } as const;

/** A finished scan in brief: its findings by severity and how much of it was checked. */
export function ScanBrief({ scan }: { scan: ScanListItem }) {
  const assessed = scan.assessed;
  return (
    <div className="scan-brief" data-testid="scan-brief">
      <SeverityChips counts={scan.findings_by_severity} empty="No findings recorded yet" />
      {assessed && assessed.total > 0 && (
        <p className="scan-meta" data-testid="scan-assessed">
          Checked {assessed.by_person} of {assessed.total}
          {assessed.by_model > 0 && ` · ${assessed.by_model} by the models`}
          {assessed.not_seen > 0 && ` · ${assessed.not_seen} not seen in the photos`}
          {assessed.not_assessed > 0 && ` · ${assessed.not_assessed} not assessed`}
        </p>
      )}
    </div>
  );
}

export default function HistoryPage() {
  const scans = useScans();
  const deleteScan = useDeleteScan();
  const queryClient = useQueryClient();
  const items = scans.data ? scans.data.pages.flatMap((page) => page.items) : scans.isError ? [] : null;
  const loadError = scans.error ? (scans.error instanceof ApiError ? scans.error.lines : ["Could not load your scans."]) : null;
  const [deleteError, setDeleteError] = useState<string[] | null>(null);
  const error = deleteError ?? loadError;
  const cursor = scans.hasNextPage;
  const loadingMore = scans.isFetchingNextPage;
  const deleting = deleteScan.isPending ? deleteScan.variables : null;
  // Finished scans picked to compare, in the order picked.
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();
  const names = useMemo(() => scanNames((scans.data?.pages ?? []).flatMap((page) => page.items)), [scans.data]);

  // Photos kept while offline reached the server (the app sends them: watchOutbox, main.tsx): show them.
  useEffect(() => {
    const sent = () => void invalidateScanLists(queryClient);
    window.addEventListener(UPLOADS_SENT_EVENT, sent);
    return () => window.removeEventListener(UPLOADS_SENT_EVENT, sent);
  }, [queryClient]);

  async function remove(id: string) {
    setDeleteError(null);
    try {
      await deleteScan.mutateAsync(id);
      setPicked((prev) => prev.filter((p) => p !== id));
    } catch (err) {
      setDeleteError(err instanceof ApiError ? err.lines : ["Could not delete the scan."]);
    }
  }

  return (
    <section>
      <div className="page-head">
        <PageTitle title="Your scans">Your scans</PageTitle>
        <Link to="/scans/new" className="btn btn-primary">
          + New scan
        </Link>
      </div>
      {error && <Alert lines={error} />}
      {items === null && <Spinner label="Loading your scans…" />}
      {items !== null && items.length === 0 && !error && (
        <div className="card empty">
          <h2>No scans yet</h2>
          <p className="muted">Walk through a home, photograph each room, and HouseScan writes the inspection report.</p>
          <Link to="/scans/new" className="btn btn-primary">
            Start your first scan
          </Link>
        </div>
      )}
      {items && items.length > 0 && (
        <ul className="scan-list" aria-label="Scans">
          {items.map((scan) => (
            <li key={scan.id} className="card scan-item" data-testid="scan-item">
              <Link
                to={`/scans/${scan.id}`}
                className="scan-link"
                style={{ flexDirection: "row", alignItems: "center", gap: "0.75rem" }}
              >
                {scan.cover_thumbnail_url ? (
                  <img src={scan.cover_thumbnail_url} alt="" loading="lazy" style={COVER_STYLE} data-testid="scan-cover" />
                ) : (
                  <span aria-hidden="true" style={COVER_STYLE} />
                )}
                <span style={{ display: "flex", flexDirection: "column", minWidth: 0 }}>
                <span className="scan-title">{scan.address?.trim() || "Untitled home"}</span>
                {scanOfHome(scan) && (
                  <span className="scan-meta" data-testid="scan-of-home">
                    {scanOfHome(scan)}
                  </span>
                )}
                <span className="scan-meta" data-testid="scan-times">
                  {scan.scanned_at ? scannedAndUpdated(scan.scanned_at, scan.updated_at) : `Started ${formatDate(scan.created_at)}`}
                </span>
                {/* Its own line: no leading "·" (it read "· 3 rooms · 9 photos" under the dates). */}
                <span className="scan-meta" data-testid="scan-size">
                  {[
                    typeof scan.rooms_count === "number" ? plural(scan.rooms_count, "room") : null,
                    typeof scan.images_count === "number" ? plural(scan.images_count, "photo") : null,
                    scan.house_type ? humanize(scan.house_type) : null,
                  ]
                    .filter(Boolean)
                    .join(" · ")}
                </span>
                {scan.status === "failed" && scan.error && <span className="scan-error">{scan.error}</span>}
                </span>
              </Link>
              {scan.status === "succeeded" && <ScanBrief scan={scan} />}
              <div className="scan-actions">
                {scan.status === "succeeded" && (
                  <label className="compare-pick">
                    <input
                      type="checkbox"
                      checked={picked.includes(scan.id)}
                      disabled={!picked.includes(scan.id) && picked.length >= COMPARE_MAX}
                      onChange={() => setPicked((prev) => toggleCompare(prev, scan.id))}
                      aria-label={`Compare ${names.get(scan.id)}`}
                    />
                    <span aria-hidden="true">Compare</span>
                  </label>
                )}
                <StatusBadge status={scan.status} />
                <ConfirmButton
                  label="Delete"
                  name={`Delete ${names.get(scan.id)}`}
                  confirmLabel="Delete scan"
                  busy={deleting === scan.id}
                  onConfirm={() => void remove(scan.id)}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
      {picked.length > 0 && (
        <div className="compare-bar" role="region" aria-label="Compare homes">
          <p>
            {picked.length} of {COMPARE_MAX} picked
            {picked.length < COMPARE_MIN && `: pick ${COMPARE_MIN - picked.length} more to compare`}
          </p>
          <div className="actions">
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setPicked([])}>
              Clear
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={picked.length < COMPARE_MIN}
              onClick={() => navigate(`/compare?scan_ids=${picked.map(encodeURIComponent).join(",")}`)}
            >
              Compare
            </button>
          </div>
        </div>
      )}
      {cursor && (
        <div className="center">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={loadingMore}
            onClick={() => void scans.fetchNextPage()}
          >
            {loadingMore ? "Loading…" : "Show older scans"}
          </button>
        </div>
      )}
    </section>
  );
}
