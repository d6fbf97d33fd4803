import { useEffect, useRef, useState, type FormEvent } from "react";
import { useFocusBack } from "../../components/ui";
import MarkEditor from "./MarkEditor";
import { AddPhotosButton, PhotoPicker, roomPhotoName } from "./PhotoInputs";
import { MarkedPhoto, photoAlt } from "./MarkedPhoto";
import {
  SEVERITIES,
  SEVERITY_TITLE,
  TRADES,
  TRADE_TITLE,
  reviewApi,
  type Finding,
  type FindingInput,
  type ReportImage,
  type ReportRoom,
  type Severity,
  type Trade,
} from "./reviewApi";
import type { Mark } from "./marks";
import CostGuidePicker, { type TakenCost } from "../decision/CostGuidePicker";

/** A cost typed in the form: both ends or neither, the lower first. Null when the range is fine. */
export function costProblem(low: string, high: string): string | null {
  if (!low.trim() && !high.trim()) return null;
  if (!low.trim() || !high.trim()) return "Give both ends of the cost range, or neither.";
  const from = Number(low);
  const to = Number(high);
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || to < 0) return "A cost is a number of 0 or more.";
  if (from > to) return "The lower cost is above the higher one.";
  return null;
}

const text = (value: number | null | undefined) => (typeof value === "number" ? String(value) : "");

/**
 * Every field of a finding: what, how serious, where, who to call, what it may cost, the note; once saved, its
 * photos: the room's, close-ups taken now, and the spot marked on each.
 */
export default function FindingEditor({
  scanId,
  finding,
  draft,
  rooms,
  photos,
  currency,
  onSaved,
  onCreated,
  onClose,
  onError,
}: {
  scanId: string;
  /** The finding to edit; without it the form adds one from `draft`. */
  finding?: Finding;
  draft?: FindingInput | null;
  rooms: ReportRoom[];
  photos: Map<string, ReportImage>;
  currency: string;
  onSaved: () => void;
  onCreated: (finding: Finding) => void;
  onClose: () => void;
  onError: (message: string) => void;
}) {
  const start = finding ?? draft;
  const [title, setTitle] = useState(start?.title ?? "");
  const [severity, setSeverity] = useState<Severity>(start?.severity ?? "maintenance");
  const [roomId, setRoomId] = useState(start?.room_id ?? "");
  const [note, setNote] = useState(start?.note ?? "");
  const [trade, setTrade] = useState<Trade | "">(start?.trade ?? "");
  const [costLow, setCostLow] = useState(text(start?.cost_low));
  const [costHigh, setCostHigh] = useState(text(start?.cost_high));
  const [picked, setPicked] = useState<string[]>(draft?.photo_ids ?? []);
  // A cost guide row the person took in this form: its id becomes the cost's source while its figures stay.
  const [taken, setTaken] = useState<TakenCost | null>(null);
  const [marking, setMarking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Scrolled to as it opens: the whole editor, so its "Editing <title>" line shows above the form.
  const editorRef = useRef<HTMLDivElement>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  // The mark editor closed (saved or cancelled): the focus goes back to that photo's "Mark the spot".
  const { opener: markButton } = useFocusBack(marking);

  useEffect(() => {
    editorRef.current?.scrollIntoView?.({ block: "start" });
    titleRef.current?.focus({ preventScroll: true });
  }, []);

  const room = rooms.find((r) => r.id === roomId);
  const problem = costProblem(costLow, costHigh);
  const untitled = !title.trim();
  const formId = finding ? `finding-${finding.id}` : "finding-new";

  function fields(): FindingInput {
    const costed = costLow.trim() !== "" && costHigh.trim() !== "";
    const costChanged = !finding || Number(costLow) !== finding.cost_low || Number(costHigh) !== finding.cost_high;
    const fromGuide = taken && Number(costLow) === taken.low && Number(costHigh) === taken.high ? taken.id : null;
    return {
      title: title.trim(),
      severity,
      room_id: roomId || null,
      note: note.trim() || null,
      trade: trade || null,
      cost_low: costed ? Number(costLow) : null,
      cost_high: costed ? Number(costHigh) : null,
      cost_source: costed ? (fromGuide ?? (costChanged ? "person" : finding?.cost_source ?? "person")) : null,
    };
  }

  async function run<T>(action: () => Promise<T>, failure: string): Promise<T | undefined> {
    setBusy(true);
    try {
      return await action();
    } catch (e) {
      onError(e instanceof Error ? e.message : failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (problem) return;
    if (finding) {
      const saved = await run(() => reviewApi.patchFinding(scanId, finding.id, fields()), "The finding could not be saved.");
      if (saved) {
        onSaved();
        onClose();
      }
      return;
    }
    const roomPhotos = new Set((room?.images ?? []).map((p) => p.id));
    const created = await run(
      () =>
        reviewApi.addFinding(scanId, {
          ...fields(),
          checklist_item_id: draft?.checklist_item_id ?? null,
          photo_ids: picked.filter((id) => roomPhotos.has(id)),
        }),
      "The finding could not be saved.",
    );
    if (created) onCreated(created);
  }

  async function setPhotos(photoIds: string[]) {
    if (!finding) return;
    if (await run(() => reviewApi.patchFinding(scanId, finding.id, { photo_ids: photoIds }), "The photos could not be saved.")) onSaved();
  }

  async function addCloseUps(files: File[]) {
    if (!finding) return;
    if (await run(() => reviewApi.addFindingPhotos(scanId, finding.id, files), "The close-ups could not be added.")) onSaved();
  }

  async function saveMarks(photoId: string, marks: Mark[]) {
    if (!finding) return;
    const others = (finding.marks ?? []).filter((m) => m.photo_id !== photoId);
    const saved = await run(() => reviewApi.patchFinding(scanId, finding.id, { marks: [...others, ...marks] }), "The marks could not be saved.");
    if (saved) {
      setMarking(null);
      onSaved();
    }
  }

  const findingPhotos = (finding?.photo_ids ?? []).map((id) => photos.get(id)).filter((p): p is ReportImage => !!p);
  const marksOn = (photoId: string) => (finding?.marks ?? []).filter((m) => m.photo_id === photoId);
  const markingPhoto = marking ? photos.get(marking) : undefined;
  const inUse = finding ? finding.photo_ids : picked;
  const otherRoomPhotos = room
    ? room.images.map((photo, i) => ({ photo, name: roomPhotoName(room.name, i + 1) })).filter(({ photo }) => !inUse.includes(photo.id))
    : [];

  return (
    <div ref={editorRef} className="finding-editor" data-testid="finding-editor">
      {finding && (
        <p className="editing-title" role="status">
          Editing <strong>{finding.title}</strong>: change any field, add close-ups, mark the spot.
        </p>
      )}
      <form id={formId} className="finding-form" onSubmit={(e) => void submit(e)} aria-label={finding ? `Edit finding: ${finding.title}` : "New finding"}>
        <label className="field">
          <span>What is it?</span>
          <input ref={titleRef} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} name="finding-title" />
        </label>
        <div className="field-row">
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
              {rooms.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label className="field">
          <span>Who to call</span>
          <select value={trade} onChange={(e) => setTrade(e.target.value as Trade | "")} name="finding-trade" aria-label="Who to call">
            <option value="">Not decided</option>
            {TRADES.map((t) => (
              <option key={t} value={t}>
                {TRADE_TITLE[t]}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="cost-range" aria-describedby={problem ? `${formId}-cost-problem` : undefined}>
          <legend>Cost to put right ({currency}), if you know it</legend>
          <label className="field">
            <span>From</span>
            <input inputMode="decimal" type="number" min={0} step="any" value={costLow} onChange={(e) => setCostLow(e.target.value)} name="finding-cost-low" aria-label={`Cost from, ${currency}`} />
          </label>
          <label className="field">
            <span>To</span>
            <input inputMode="decimal" type="number" min={0} step="any" value={costHigh} onChange={(e) => setCostHigh(e.target.value)} name="finding-cost-high" aria-label={`Cost to, ${currency}`} />
          </label>
          <CostGuidePicker
            trade={trade || null}
            onTake={(cost) => {
              setTaken(cost);
              setCostLow(String(cost.low));
              setCostHigh(String(cost.high));
            }}
          />
          {taken && Number(costLow) === taken.low && Number(costHigh) === taken.high && (
            <p className="muted small" role="status" data-testid="cost-from-guide">
              From the cost guide: an estimate, not a quote. Save the finding to keep it.
            </p>
          )}
          {problem && (
            <p id={`${formId}-cost-problem`} className="error-text" role="alert">
              {problem}
            </p>
          )}
        </fieldset>
        <label className="field">
          <span>Note</span>
          <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={4000} name="finding-note" />
        </label>
        {!finding && room && room.images.length > 0 && (
          <PhotoPicker
            legend="Photos"
            photos={room.images}
            chosen={picked}
            onChange={setPicked}
            photoName={(_, n) => roomPhotoName(room.name, n)}
          />
        )}
        {!finding && <p className="muted small">Once saved, add close-ups and mark the spot on them.</p>}
        <div className="actions">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || untitled || !!problem}
            aria-describedby={untitled ? `${formId}-save-why` : undefined}
          >
            Save finding
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {finding ? "Done" : "Cancel"}
          </button>
          {untitled && (
            <p id={`${formId}-save-why`} className="save-why muted small" data-testid="save-why">
              Give it a title to save.
            </p>
          )}
        </div>
      </form>

      {finding && (
        <section className="finding-photos-edit" aria-label={`Photos of ${finding.title}`}>
          <h4>Photos</h4>
          {findingPhotos.length === 0 && <p className="muted small">No photos yet.</p>}
          <ul className="finding-photo-list">
            {findingPhotos.map((photo, i) => (
              <li key={photo.id}>
                <MarkedPhoto src={photo.thumbnail_url} alt={photoAlt(`${finding.title}, photo ${i + 1}`, marksOn(photo.id))} marks={marksOn(photo.id)} />
                <div className="actions">
                  <button
                    ref={markButton(photo.id)}
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => setMarking(photo.id)}
                    aria-label={`Mark the spot on photo ${i + 1}`}
                  >
                    Mark the spot
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    disabled={busy}
                    onClick={() => void setPhotos(finding.photo_ids.filter((id) => id !== photo.id))}
                    aria-label={`Take off photo ${i + 1}`}
                  >
                    Take off
                  </button>
                </div>
              </li>
            ))}
          </ul>
          {finding.room_id ? (
            <AddPhotosButton
              text={busy ? "Saving…" : "Add a close-up"}
              label={`Add a close-up to ${finding.title}`}
              busy={busy}
              camera
              onFiles={(files) => void addCloseUps(files)}
            />
          ) : (
            <p className="muted small">Choose the finding’s room to add close-ups.</p>
          )}
          {otherRoomPhotos.length > 0 && (
            <details className="photo-pick-more">
              <summary>Use a photo of {room?.name}</summary>
              <ul className="finding-photo-list">
                {otherRoomPhotos.map(({ photo, name }) => (
                  <li key={photo.id}>
                    <button type="button" className="photo-button" disabled={busy} onClick={() => void setPhotos([...finding.photo_ids, photo.id])}>
                      <img src={photo.thumbnail_url} alt={`Add ${name}`} />
                    </button>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {markingPhoto && (
            <MarkEditor
              key={markingPhoto.id}
              photo={markingPhoto}
              title={finding.title}
              initial={marksOn(markingPhoto.id)}
              busy={busy}
              onSave={(marks) => void saveMarks(markingPhoto.id, marks)}
              onCancel={() => setMarking(null)}
            />
          )}
        </section>
      )}
    </div>
  );
}
