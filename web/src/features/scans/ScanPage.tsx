import { useCallback, useEffect, useState } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { Alert, Spinner } from "../../components/ui";
import { api, ApiError } from "../../lib/api";
import type { ScanDetail } from "../../lib/types";
import CapturePage from "../capture/CapturePage";
import NotFoundPage from "../../components/NotFoundPage";
import ProcessingPage from "./ProcessingPage";
import ReportPage from "../review/ReportPage";

/** /scans/:id shows what the scan needs next: photos (draft), progress (queued/running/failed), the report. */
export default function ScanPage() {
  const { scanId = "" } = useParams();
  const [scan, setScan] = useState<ScanDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [params, setParams] = useSearchParams();

  // ?room= only means something while photos are being taken.
  useEffect(() => {
    if (scan && scan.status !== "draft" && params.has("room")) setParams({}, { replace: true });
  }, [scan, params, setParams]);

  const reload = useCallback(async () => {
    try {
      const detail = await api.getScan(scanId);
      setScan(detail);
      setError(null);
      return detail;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, null));
      return null;
    }
  }, [scanId]);

  useEffect(() => {
    setScan(null);
    setError(null);
    void reload();
  }, [reload]);

  if (error && (error.status === 404 || error.status === 422 || error.status === 403)) return <NotFoundPage what="scan" />;
  if (error && !scan) {
    return (
      <section>
        <Alert lines={error.lines} title="Could not open this scan" />
        <button type="button" className="btn btn-secondary" onClick={() => void reload()}>
          Try again
        </button>
      </section>
    );
  }
  if (!scan) return <Spinner label="Opening scan…" />;
  if (scan.status === "draft") return <CapturePage scan={scan} setScan={setScan} reload={reload} />;
  if (scan.status === "succeeded") return <ReportPage scan={scan} />;
  return <ProcessingPage scan={scan} reload={reload} />;
}
