import { useEffect, useRef, useState } from "react";
import { SEVERITIES, reviewApi, type Finding, type FindingInput, type Report, type ReportRoom, type Severity } from "./reviewApi";

const SEVERITY_TITLE: Record<Severity, string> = {
  safety: "Safety",
  major: "Major",
  maintenance: "Maintenance",
  note: "Note",
};

export interface FindingDraft extends FindingInput {
  /** Changes on every "Make this a finding", so the form takes the new draft. */
  key: number;
}

/** The findings, by severity with counts, first in the report; and the form to add one. */
export default function FindingsPanel({
  scanId,
  findings,
  counts,
  rooms,
  draft,
  editable,
  onSaved,
  onError,
}: {
  scanId: string;
  findings: Finding[];
  /** Findings per severity; a severity without findings may be missing. */
  counts: Report["finding_counts"];
  rooms: ReportRoom[];
  draft: FindingDraft | null;
  editable: boolean;
  onSaved: () => void;
  onError: (message: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState<Severity>("maintenance");
  const [roomId, setRoomId] = useState("");
  const [note, setNote] = useState("");
  const [itemId, setItemId] = useState<string | null>(null);
  const [photoIds, setPhotoIds] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!draft) return;
    setOpen(true);
    setTitle(draft.title);
    setSeverity(draft.severity);
    setRoomId(draft.room_id ?? "");
    setNote(draft.note ?? "");
    setItemId(draft.checklist_item_id ?? null);
    setPhotoIds(draft.photo_ids ?? []);
    requestAnimationFrame(() => formRef.current?.scrollIntoView?.({ block: "center" }));
  }, [draft]);

  const total = SEVERITIES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const roomName = (id: string | null) => rooms.find((r) => r.id === id)?.name;
  const roomPhotos = rooms.find((r) => r.id === roomId)?.images ?? [];

  async function add(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await reviewApi.addFinding(scanId, {
        title: title.trim(),
        severity,
        room_id: roomId || null,
        note: note.trim() || null,
        checklist_item_id: itemId,
        photo_ids: photoIds.filter((id) => roomPhotos.some((p) => p.id === id)),
      });
      setPhotoIds([]);
      setTitle("");
      setNote("");
      setItemId(null);
      setOpen(false);
      onSaved();
    } catch (e) {
      onError(e instanceof Error ? e.message : "The finding could not be saved.");
    } finally {
      setBusy(false);
    }
  }

  async function remove(finding: Finding) {
    try {
      await reviewApi.deleteFinding(scanId, finding.id);
      onSaved();
    } catch (e) {
      onError(e instanceof Error ? e.message : "The finding could not be removed.");
    }
  }

  return (
    <section className="card findings" aria-labelledby="findings-title" data-testid="findings">
      <div className="section-head">
        <h2 id="findings-title" className="section-title">
          Findings
        </h2>
        <p className="finding-counts" data-testid="finding-counts">
          {total === 0
            ? "None recorded yet."
            : SEVERITIES.filter((s) => counts[s])
                .map((s) => `${counts[s]} ${SEVERITY_TITLE[s].toLowerCase()}`)
                .join(" · ")}
        </p>
      </div>
      {SEVERITIES.map((severityName) => {
        const group = findings.filter((f) => f.severity === severityName);
        if (group.length === 0) return null;
        return (
          <div key={severityName} className={`finding-group severity-${severityName}`}>
            <h3>
              {SEVERITY_TITLE[severityName]} ({group.length})
            </h3>
            <ul>
              {group.map((finding) => (
                <li key={finding.id} data-testid="finding">
                  <div className="finding-line">
                    <span className={`badge badge-${finding.severity}`}>{SEVERITY_TITLE[finding.severity]}</span>
                    <strong>{finding.title}</strong>
                    {finding.room_id && <span className="muted small">{roomName(finding.room_id)}</span>}
                  </div>
                  {finding.note && <p className="finding-note">{finding.note}</p>}
                  {editable && (
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => void remove(finding)}>
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      {editable && !open && (
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(true)}>
          Add a finding
        </button>
      )}
      {editable && open && (
        <form ref={formRef} className="finding-form" onSubmit={(e) => void add(e)} aria-label="New finding">
          <label className="field">
            <span>What is it?</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} name="finding-title" />
          </label>
          <label className="field">
            <span>Severity</span>
            <select value={severity} onChange={(e) => setSeverity(e.target.value as Severity)} name="finding-severity" aria-label="Severity">
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {SEVERITY_TITLE[s]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Room</span>
            <select value={roomId} onChange={(e) => setRoomId(e.target.value)} name="finding-room" aria-label="Room">
              <option value="">The whole house</option>
              {rooms.map((room) => (
                <option key={room.id} value={room.id}>
                  {room.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Note</span>
            <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={4000} name="finding-note" />
          </label>
          {roomPhotos.length > 0 && (
            <fieldset className="photo-pick">
              <legend>Photos</legend>
              {roomPhotos.map((photo, i) => (
                <label key={photo.id} className="photo-choice">
                  <input
                    type="checkbox"
                    checked={photoIds.includes(photo.id)}
                    onChange={(e) =>
                      setPhotoIds(e.target.checked ? [...photoIds, photo.id] : photoIds.filter((id) => id !== photo.id))
                    }
                    aria-label={`Finding photo ${i + 1}`}
                  />
                  <img src={photo.thumbnail_url} alt="" />
                </label>
              ))}
            </fieldset>
          )}
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={busy || !title.trim()}>
              Save finding
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
