import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, PageTitle, ProgressRing } from "../../components/ui";
import PushPrompt from "../account/PushPrompt";
import { ApiError } from "../../lib/api";
import { humanize } from "../../lib/answers";
import { plural } from "../../lib/format";
import {
  isTerminal,
  loadProgress,
  progressReducer,
  saveProgress,
  stageLabel,
  type ProgressState,
} from "./progress";
import { realtime, type ConnectionState } from "../../lib/realtime";
import type { ScanDetail } from "../../lib/types";
import { scanKeys, useProcessScan, useScan } from "./queries";

const POLL_WHEN_DISCONNECTED_MS = 3000;
const POLL_WHEN_CONNECTED_MS = 15000;
// An event said "done" before the scan reads as succeeded: ask again soon (the report then replaces this page).
const POLL_WHEN_DONE_MS = 1500;

function init(scan: ScanDetail): ProgressState {
  return progressReducer(loadProgress(scan.id), { kind: "snapshot", scan });
}

/** A queued, running or failed scan; `scan` is the cached one (ScanPage), which the polling below refreshes. */
export default function ProcessingPage({ scan }: { scan: ScanDetail }) {
  const [state, dispatch] = useReducer(progressReducer, scan, init);
  const [connection, setConnection] = useState<ConnectionState>(realtime.state);
  const [error, setError] = useState<string[] | null>(null);
  const queryClient = useQueryClient();
  const processScan = useProcessScan(scan.id);

  // Live events for this scan.
  useEffect(() => realtime.onEvent((event) => dispatch({ kind: "event", event })), []);
  useEffect(() => {
    setConnection(realtime.state);
    return realtime.onState(setConnection);
  }, []);

  // Keep the state across reloads.
  useEffect(() => saveProgress(state), [state]);

  // REST status: a safety net always, the main source while the socket is down.
  const every =
    state.status === "succeeded"
      ? POLL_WHEN_DONE_MS
      : isTerminal(state.status)
        ? false
        : connection === "connected"
          ? POLL_WHEN_CONNECTED_MS
          : POLL_WHEN_DISCONNECTED_MS;
  useScan(scan.id, { refetchInterval: every });
  useEffect(() => dispatch({ kind: "snapshot", scan }), [scan]);

  // When the socket (re)connects, read the status once: events may have been missed before it was up.
  useEffect(() => {
    if (connection === "connected") void queryClient.invalidateQueries({ queryKey: scanKeys.detail(scan.id) });
  }, [connection, queryClient, scan.id]);

  async function retry() {
    setError(null);
    try {
      await processScan.mutateAsync();
      dispatch({ kind: "retry" });
    } catch (err) {
      // Someone else may have restarted it already: the mutation reads the current status again.
      setError(err instanceof ApiError ? err.lines : ["Could not restart the analysis."]);
    }
  }
  const retrying = processScan.isPending;

  const failed = state.status === "failed";
  const imageCount = scan.rooms.reduce((n, r) => n + r.images.length, 0);
  const headline = failed
    ? "The analysis did not finish"
    : state.status === "succeeded"
      ? "Your report is ready"
      : state.status === "queued" || state.status === "unknown"
        ? "Waiting for an analyser…"
        : "Analysing your photos";

  return (
    <section className="processing narrow">
      <p className="eyebrow">{scan.house?.address?.trim() || "Untitled home"}</p>
      <PageTitle title="Analysing">{headline}</PageTitle>
      <p className="muted">
        {plural(scan.rooms.length, "room")} · {plural(imageCount, "photo")}.
        {!failed && " You can leave this page: the analysis continues and the report will be waiting in your scans."}
      </p>
      {!failed && <PushPrompt />}

      <div className="card processing-card" aria-live="polite">
        <ProgressRing value={state.progress} />
        <div className="stage" data-testid="stage">
          {failed ? (
            <span className="bad-text">Stopped</span>
          ) : state.stage ? (
            stageLabel(state.stage)
          ) : state.status === "queued" || state.status === "unknown" ? (
            "Queued"
          ) : (
            state.message ?? "Starting…"
          )}
        </div>
        <p className={`connection connection-${connection}`}>
          <span className="dot" aria-hidden="true" />
          {connection === "connected" ? "Live updates" : "Reconnecting… checking the status every few seconds"}
        </p>
      </div>

      {failed && (
        <Alert title="Reason" tone="error" lines={[state.error ?? scan.error ?? "The scan failed."]}>
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={() => void retry()} disabled={retrying}>
              {retrying ? "Retrying…" : "Retry analysis"}
            </button>
            <Link to="/" className="btn btn-ghost">
              Back to scans
            </Link>
          </div>
        </Alert>
      )}
      {error && <Alert lines={error} />}

      {state.steps.length > 0 && (
        <div className="card">
          <h2 className="section-title">Steps so far</h2>
          <ol className="steps" data-testid="steps">
            {state.steps.map((step, i) => {
              const current = i === state.steps.length - 1 && !isTerminal(state.status);
              return (
                <li key={`${step.stage}-${i}`} className={current ? "current" : "done"}>
                  <span className="step-icon" aria-hidden="true">
                    {current ? "" : "✓"}
                  </span>
                  <span className="step-label">{stageLabel(step.stage)}</span>
                  <span className="step-pct">{step.progress}%</span>
                  <span className="visually-hidden">{current ? "(in progress)" : "(done)"}</span>
                </li>
              );
            })}
          </ol>
        </div>
      )}

      {scan.attempts > 1 && !failed && <p className="muted small">Attempt {scan.attempts}.</p>}
      {scan.detected_house_types && scan.detected_house_types.length > 0 && (
        <p className="muted small">Detected so far: {scan.detected_house_types.map(humanize).join(", ")}</p>
      )}
    </section>
  );
}
