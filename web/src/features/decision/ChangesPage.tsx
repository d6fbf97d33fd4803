import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { Alert, PageTitle, Spinner } from "../../components/ui";
import { SEVERITY_TITLE, whoAnswered } from "../review/reviewApi";
import { errorLines, saveBlob } from "../../lib/account";
import { formatDate } from "../../lib/format";
import type { Finding, ReportImage } from "../../lib/types";
import { pairRooms } from "./decision";
import { decisionApi, type RoomChanges } from "./decisionApi";
import { useChanges, useInvalidateChanges } from "./queries";
import "../review/review.css";
import "./decision.css";

const PAIRED_BY: Record<string, string> = {
  person: "by you",
  label: "by name",
  type: "by room type",
  ordinal: "by order",
};

type Answer = RoomChanges["answers_changed"][number]["before"];

function answerText(answer: Answer): string {
  if (answer.value === null || answer.value === undefined) return "not assessed";
  const who = whoAnswered(answer);
  return `${answer.text || String(answer.value)}${who ? ` (${who === "You" ? "you" : who})` : ""}`;
}

type AnswerChange = RoomChanges["answers_changed"][number];

const itemTitle = (change: AnswerChange) => change.after.title ?? change.before.title ?? change.item_id;

/** The answers that changed, then those answered in the earlier scan that nobody checked this time (kept apart:
 * "Good → not assessed" would read as if the home had changed). */
export function AnswerChanges({ changes }: { changes: AnswerChange[] }) {
  const changed = changes.filter((change) => !change.not_checked_again);
  const notAgain = changes.filter((change) => change.not_checked_again);
  return (
    <>
      <h3 className="small-title">Answers changed ({changed.length})</h3>
      {changed.length === 0 ? (
        <p className="muted small">No answer changed.</p>
      ) : (
        <dl className="answers" data-testid="answers-changed">
          {changed.map((change) => (
            <div key={change.item_id} className="answer-row">
              <dt>{itemTitle(change)}</dt>
              <dd>
                {answerText(change.before)} → <strong>{answerText(change.after)}</strong>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {notAgain.length > 0 && (
        <p className="muted small" data-testid="not-checked-again">
          Not checked this time ({notAgain.length}):{" "}
          {notAgain.map((change) => `${itemTitle(change)} (then: ${answerText(change.before)})`).join(", ")}.
        </p>
      )}
    </>
  );
}

function Photos({ photos, what }: { photos: ReportImage[]; what: string }) {
  if (photos.length === 0) return <p className="muted small">No photos.</p>;
  return (
    <ul className="finding-photo-list">
      {photos.map((photo, i) => (
        <li key={photo.id}>
          <a href={photo.url} target="_blank" rel="noreferrer">
            <img src={photo.thumbnail_url} alt={`${what}, photo ${i + 1}`} loading="lazy" />
          </a>
        </li>
      ))}
    </ul>
  );
}

function FindingList({ findings, empty }: { findings: Finding[]; empty: string }) {
  if (findings.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <ul className="change-findings">
      {findings.map((f) => (
        <li key={f.id}>
          <span className={`badge badge-${f.severity}`}>{SEVERITY_TITLE[f.severity]}</span> {f.title}
        </li>
      ))}
    </ul>
  );
}

/** Findings recorded now and not then, and then and not now: the latter may be fixed or simply not recorded
 * again (a new scan starts with no findings), so they are not called resolved. */
export function FindingsThenNow({ changes }: { changes: Pick<RoomChanges, "findings_new" | "findings_resolved"> }) {
  const gone = changes.findings_resolved;
  return (
    <div className="then-now">
      <div>
        <h3 className="small-title">New findings ({changes.findings_new.length})</h3>
        <FindingList findings={changes.findings_new} empty="None new." />
      </div>
      <div data-testid="findings-not-again">
        <h3 className="small-title">Not recorded this time ({gone.length})</h3>
        {gone.length > 0 && <p className="muted small">Recorded in the earlier scan, not in this one: fixed, or not recorded again.</p>}
        <FindingList findings={gone} empty="None." />
      </div>
    </div>
  );
}

/**
 * One home over time: room by room what changed since an earlier scan of the same house (`?since=`): photos
 * then and now, findings new and no longer recorded, answers changed; and the same for the whole home. The person can pair a room with another of the
 * earlier scan's, or mark it new.
 */
export default function ChangesPage() {
  const { scanId = "" } = useParams();
  const [params] = useSearchParams();
  const since = params.get("since") ?? "";
  const changesQuery = useChanges(scanId, since);
  const changes = changesQuery.data ?? null;
  const load = useInvalidateChanges(scanId, since);
  const [actionError, setError] = useState<string[] | null>(null);
  const error = actionError ?? (changesQuery.error ? errorLines(changesQuery.error, "The changes could not be loaded.") : null);
  const [notice, setNotice] = useState("");

  async function pair(rooms: RoomChanges[], room: RoomChanges, earlierRoomId: string | null) {
    setNotice("");
    setError(null);
    try {
      await decisionApi.putPairs(scanId, pairRooms(rooms, room.room_id, earlierRoomId));
      await load();
      setNotice(`${room.label} paired again.`);
    } catch (err) {
      setError(errorLines(err, "The rooms could not be paired."));
    }
  }

  async function pdf() {
    setError(null);
    try {
      const { blob, filename } = await decisionApi.reportPdfWithChanges(scanId, since);
      saveBlob(blob, filename ?? `housescan-report-${scanId.slice(0, 8)}.pdf`);
    } catch (err) {
      setError(errorLines(err, "The PDF could not be downloaded."));
    }
  }

  const earlierRooms = changes?.earlier_rooms ?? [];
  const sinceAt = changes?.since_scanned_at;
  // With the time: two scans of one day are told apart (the PDF's title has it too).
  const title = sinceAt ? `Changes since ${formatDate(sinceAt)}` : "Changes since an earlier scan";
  const unpaired = earlierRooms.filter((r) => !changes?.rooms.some((room) => room.earlier_room_id === r.id));

  return (
    <section className="changes" data-testid="changes">
      <div className="page-head">
        <div>
          <p className="eyebrow">{changes?.address?.trim() || "This home"} · over time</p>
          <PageTitle title={title}>{title}</PageTitle>
        </div>
        <div className="actions">
          {changes && (
            <button type="button" className="btn btn-secondary" onClick={() => void pdf()}>
              Report PDF with these changes
            </button>
          )}
          <Link to={`/scans/${scanId}`} className="btn btn-ghost">
            Back to the report
          </Link>
        </div>
      </div>
      {!since && <Alert tone="info" lines={["Open this page from a report: choose the earlier scan there."]} />}
      {error && <Alert lines={error} />}
      <p className="visually-hidden" role="status" aria-live="polite">
        {notice}
      </p>
      {since && !changes && !error && <Spinner label="Comparing the two scans…" />}
      {changes && (
        <>
          {unpaired.length > 0 && (
            <p className="muted" data-testid="earlier-unpaired">
              Rooms of the earlier scan not paired with any room now: {unpaired.map((r) => r.name).join(", ")}.
            </p>
          )}
          {changes.house && (
            <article className="card change-room" aria-labelledby="change-house" data-testid="change-house">
              <h2 id="change-house">The whole home</h2>
              <p className="muted small">Findings of no one room, the house type and the house checklist.</p>
              <FindingsThenNow changes={changes.house} />
              <AnswerChanges changes={changes.house.answers_changed} />
            </article>
          )}
          {changes.rooms.map((room) => {
            return (
              <article key={room.room_id} className="card change-room" aria-labelledby={`change-${room.room_id}`} data-testid="change-room">
                <h2 id={`change-${room.room_id}`}>{room.label}</h2>
                <p className="muted small">
                  {room.earlier_room_id
                    ? `Then: ${room.earlier_label ?? "a room of the earlier scan"} (paired ${PAIRED_BY[room.paired_by] ?? room.paired_by})`
                    : "A new room: no room of the earlier scan is paired with it."}
                </p>
                {earlierRooms.length > 0 && (
                  <label className="field pair-select">
                    <span>Pair with a room of the earlier scan</span>
                    <select
                      value={room.earlier_room_id ?? ""}
                      onChange={(e) => void pair(changes.rooms, room, e.target.value || null)}
                      aria-label={`Pair ${room.label} with a room of the earlier scan`}
                    >
                      <option value="">None: a new room</option>
                      {earlierRooms.map((r) => (
                        <option key={r.id} value={r.id}>
                          {r.name}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <div className="then-now">
                  <div>
                    <h3 className="small-title">Then</h3>
                    <Photos photos={room.photos.before} what={`${room.label} then`} />
                  </div>
                  <div>
                    <h3 className="small-title">Now</h3>
                    <Photos photos={room.photos.now} what={`${room.label} now`} />
                  </div>
                </div>
                <FindingsThenNow changes={room} />
                <AnswerChanges changes={room.answers_changed} />
              </article>
            );
          })}
        </>
      )}
    </section>
  );
}
