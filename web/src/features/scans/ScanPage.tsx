import { useCallback, useEffect } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { Alert, Spinner } from "../../components/ui";
import { ApiError } from "../../lib/api";
import CapturePage from "../capture/CapturePage";
import NotFoundPage from "../../components/NotFoundPage";
import ProcessingPage from "./ProcessingPage";
import ReportPage from "../review/ReportPage";
import { useScan, useSetScan } from "./queries";

/** /scans/:id shows what the scan needs next: photos (draft), progress (queued/running/failed), the report. */
export default function ScanPage() {
  const { scanId = "" } = useParams();
  const query = useScan(scanId);
  const setScan = useSetScan(scanId);
  const scan = query.data ?? null;
  const error = query.error ? (query.error instanceof ApiError ? query.error : new ApiError(0, null)) : null;
  const [params, setParams] = useSearchParams();

  // ?room= only means something while photos are being taken.
  useEffect(() => {
    if (scan && scan.status !== "draft" && params.has("room")) setParams({}, { replace: true });
  }, [scan, params, setParams]);

  const { refetch } = query;
  const reload = useCallback(async () => {
    const result = await refetch();
    return result.isError ? null : (result.data ?? null);
  }, [refetch]);

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
  return <ProcessingPage scan={scan} />;
}
