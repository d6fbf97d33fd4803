import { useState } from "react";
import ChecklistReview, { type Entry } from "./ChecklistReview";
import Lightbox from "./Lightbox";
import { AddPhotosButton, roomPhotoName } from "./PhotoInputs";
import { CheckedProgress } from "./ReportFrame";
import {
  ROOM_TYPES,
  answerValue,
  candidatesText,
  confidenceSentence,
  label,
  reviewApi,
  type Answer,
  type Finding,
  type ReportRoom,
} from "./reviewApi";

/** One room of the report: rename it, correct its type, answer its checklist and products. */
export default function RoomReview({
  scanId,
  room,
  editable,
  onSaved,
  onError,
  onMakeFinding,
  findings,
}: {
  scanId: string;
  room: ReportRoom;
  editable: boolean;
  onSaved: () => void;
  onError: (message: string) => void;
  onMakeFinding: (roomId: string, itemId: string, answer: Answer) => void;
  /** The report's findings: an answer made a finding links to it. */
  findings?: Finding[];
}) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(room.label ?? "");
  const [photo, setPhoto] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const type = room.room_type;

  async function patch(body: { label?: string | null; room_type?: string | null }) {
    setBusy(true);
    try {
      await reviewApi.patchRoom(scanId, room.id, body);
      setRenaming(false);
      onSaved();
    } catch (e) {
      onError(e instanceof Error ? e.message : "The room could not be saved.");
    } finally {
      setBusy(false);
    }
  }

  async function addPhotos(files: File[]) {
    setBusy(true);
    try {
      await reviewApi.addPhotos(scanId, room.ordinal, files);
      onSaved();
    } catch (e) {
      onError(e instanceof Error ? e.message : "The photos could not be added.");
    } finally {
      setBusy(false);
    }
  }

  const entries: Entry[] = [
    ...Object.entries(room.checklist).map(([id, answer]) => ({ itemId: id, answer })),
    ...Object.entries(room.products).map(([id, answer]) => ({ itemId: `products.${id}`, answer })),
  ];

  return (
    <article className="card room-review" data-testid="room-report" aria-labelledby={`room-${room.id}`}>
      <header className="room-head">
        {renaming ? (
          <form
            className="rename"
            onSubmit={(e) => {
              e.preventDefault();
              void patch({ label: name.trim() || null });
            }}
          >
            <label className="field">
              <span>Room name</span>
              <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoFocus />
            </label>
            <div className="actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                Save name
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setRenaming(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div className="room-title">
            <h3 id={`room-${room.id}`}>{room.name}</h3>
            {editable && (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => setRenaming(true)}>
                Rename
              </button>
            )}
          </div>
        )}
        <div className="room-type" data-testid="room-type">
          <span className="label">Room type</span>
          <span className="pill pill-neutral">{type.text}</span>
          <span className={`who ${type.source === "person" ? "who-person" : "who-model"}`}>
            {type.source === "person" ? "You" : answerValue(type.value) === null ? "" : "Model"}
          </span>
          {(type.candidates ?? []).length > 0 && (
            <span className="muted small candidates" data-testid="room-type-candidates">
              {type.source === "person" ? "The model said " : ""}
              {candidatesText(type)}
            </span>
          )}
          {confidenceSentence(type) && (
            <span className="muted small" data-testid="room-type-meaning">
              {confidenceSentence(type)}
            </span>
          )}
          {editable && (
            <span className="room-type-edit">
              <select
                aria-label={`Correct the type of ${room.name}`}
                value={type.source === "person" && typeof type.value === "string" ? type.value : ""}
                disabled={busy}
                onChange={(e) => e.target.value && void patch({ room_type: e.target.value })}
              >
                <option value="">Correct the type…</option>
                {ROOM_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {label(t)}
                  </option>
                ))}
              </select>
              {type.source === "person" && (
                <button type="button" className="btn btn-ghost btn-small" disabled={busy} onClick={() => void patch({ room_type: null })}>
                  Use the model’s type
                </button>
              )}
            </span>
          )}
        </div>
        <CheckedProgress checked={room.checked ?? 0} total={room.checklist_total ?? 0} label={room.name} />
        {!room.analysed && <p className="muted small">The models could not analyse this room: answer its items yourself.</p>}
      </header>
      {room.images.length > 0 && (
        <ul className="photos" aria-label={`Photos of ${room.name}`}>
          {room.images.map((image, i) => (
            <li key={image.id}>
              <button type="button" className="photo-button" onClick={() => setPhoto(i)} aria-label={`Open photo ${i + 1} of ${room.name}`}>
                <img src={image.thumbnail_url} alt={`${room.name}, photo ${i + 1}`} loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <AddPhotosButton
          text={busy ? "Adding photos…" : "Add photos"}
          label={`Add photos of ${room.name}`}
          busy={busy}
          onFiles={(files) => void addPhotos(files)}
        />
      )}
      {room.photos_changed && (
        <p className="muted small" data-testid="photos-changed">
          New photos since the analysis: re-analyse this room to update the model’s answers (yours stay).
        </p>
      )}
      {photo !== null && (
        <Lightbox images={room.images} index={photo} title={room.name} onIndex={setPhoto} onClose={() => setPhoto(null)} />
      )}
      <ChecklistReview
        scanId={scanId}
        scope={room.id}
        entries={entries}
        photos={room.images}
        editable={editable}
        onSaved={onSaved}
        onError={onError}
        onMakeFinding={(itemId, answer) => onMakeFinding(room.id, itemId, answer)}
        label={`Checklist of ${room.name}`}
        analysed={room.analysed}
        photoName={(_, n) => roomPhotoName(room.name, n)}
        findings={findings}
      />
    </article>
  );
}

