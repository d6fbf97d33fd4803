import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, ConfirmButton, PageTitle, Spinner, StatusBadge } from "../components/ui";
import { api, ApiError } from "../lib/api";
import { humanize } from "../lib/answers";
import { formatDate, plural } from "../lib/format";
import type { ScanListItem } from "../lib/types";

export default function HistoryPage() {
  const [items, setItems] = useState<ScanListItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  const load = useCallback(async (next: string | null) => {
    try {
      const page = await api.listScans(next);
      setItems((prev) => (next && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not load your scans."]);
      setItems((prev) => prev ?? []);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  async function remove(id: string) {
    setDeleting(id);
    try {
      await api.deleteScan(id);
      setItems((prev) => prev?.filter((s) => s.id !== id) ?? null);
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not delete the scan."]);
    } finally {
      setDeleting(null);
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
              <Link to={`/scans/${scan.id}`} className="scan-link">
                <span className="scan-title">{scan.address?.trim() || "Untitled home"}</span>
                <span className="scan-meta">
                  {formatDate(scan.created_at)}
                  {typeof scan.rooms_count === "number" && ` · ${plural(scan.rooms_count, "room")}`}
                  {typeof scan.images_count === "number" && ` · ${plural(scan.images_count, "photo")}`}
                  {scan.house_type && ` · ${humanize(scan.house_type)}`}
                </span>
                {scan.status === "failed" && scan.error && <span className="scan-error">{scan.error}</span>}
              </Link>
              <div className="scan-actions">
                <StatusBadge status={scan.status} />
                <ConfirmButton
                  label="Delete"
                  confirmLabel="Delete scan"
                  busy={deleting === scan.id}
                  onConfirm={() => void remove(scan.id)}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div className="center">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={loadingMore}
            onClick={async () => {
              setLoadingMore(true);
              await load(cursor);
              setLoadingMore(false);
            }}
          >
            {loadingMore ? "Loading…" : "Show older scans"}
          </button>
        </div>
      )}
    </section>
  );
}
