import { useEffect, useId, useState } from "react";
import { AddPhotosButton } from "../review/PhotoInputs";
import { CONDITION_CHOICES, PERSON_ONLY_CHOICES, kindChoices, sameValue, valueText, type Choice } from "../review/choices";
import { answerValue, percent, type Answer, type AnswerValue } from "../review/reviewApi";
import type { Pending } from "./useChecklists";

export interface Thumb {
  id: string;
  thumbnail_url: string;
}

interface Props {
  itemId: string;
  answer: Answer;
  pending?: Pending;
  /** The room's photos, to show the close-ups attached to the answer. */
  photos: Thumb[];
  /** Upload close-ups into the room and give their ids; absent where there is no room (the house). */
  onCloseUp?: (files: File[]) => Promise<string[]>;
  onSave: (value: AnswerValue, note: string | null, photoIds: string[]) => void;
  onError: (message: string) => void;
}

const STATE_TEXT = { saving: "Saving…", waiting: "Saved on this phone; it goes to the server when the connection returns." };

/** One checklist item as quick answers: one tap saves (queued when offline); a note and close-ups go with it. */
export default function WalkItem({ itemId, answer, pending, photos, onCloseUp, onSave, onError }: Props) {
  const titleId = useId();
  const modelId = useId();
  const title = answer.title ?? itemId;
  const mine = pending !== undefined || answer.source === "person";
  const value: AnswerValue = pending ? pending.entry.value : answerValue(answer.value);
  const savedNote = pending ? pending.entry.note ?? "" : mine ? answer.note ?? "" : "";
  const savedPhotos = pending ? pending.entry.photoIds : mine ? (answer.photo_ids ?? []) : [];
  const [note, setNote] = useState(savedNote);
  const [photoIds, setPhotoIds] = useState<string[]>(savedPhotos);
  const [uploading, setUploading] = useState(false);
  useEffect(() => setNote(savedNote), [savedNote]);
  const savedPhotosKey = savedPhotos.join(",");
  useEffect(() => setPhotoIds(savedPhotosKey ? savedPhotosKey.split(",") : []), [savedPhotosKey]);

  const answered = mine && value !== null;
  const save = (next: AnswerValue, nextNote = note, nextPhotos = photoIds) => onSave(next, nextNote.trim() || null, nextPhotos);
  const suggested = !mine && value !== null;

  const button = (choice: Choice) => {
    const chosen = mine && sameValue(value, choice.value);
    return (
      <button
        key={choice.text}
        type="button"
        className={`btn btn-choice${chosen ? " is-chosen" : ""}${suggested && sameValue(value, choice.value) ? " is-suggested" : ""}`}
        aria-pressed={chosen}
        aria-describedby={suggested && sameValue(value, choice.value) ? modelId : undefined}
        onClick={() => save(choice.value)}
      >
        {choice.text}
      </button>
    );
  };

  async function addCloseUps(files: File[]) {
    if (!onCloseUp) return;
    setUploading(true);
    try {
      const ids = [...photoIds, ...(await onCloseUp(files)).filter((id) => !photoIds.includes(id))];
      setPhotoIds(ids);
      if (answered) save(value, note, ids);
    } catch (e) {
      onError(`${title}: ${e instanceof Error ? e.message : "the close-up could not be uploaded."}`);
    } finally {
      setUploading(false);
    }
  }

  const conditional = answer.kind === "conditional";
  const shown = pending ? (value === null ? "Not assessed" : capitalised(valueText(value))) : answer.text || "Not assessed";
  const attached = photoIds.map((id) => photos.find((p) => p.id === id)).filter((p): p is Thumb => p !== undefined);
  const extras = [note.trim() ? "note" : "", attached.length ? `${attached.length} close-up${attached.length > 1 ? "s" : ""}` : ""].filter(Boolean);

  return (
    <li className={`answer-item walk-item${mine ? " by-person" : ""}`} data-testid="walk-item" data-item={itemId}>
      <div className="walk-head">
        <span id={titleId} className="walk-title">
          {title}
        </span>
        <span className="walk-answer">
          <span className={`pill ${mine ? "pill-person" : value === null ? "pill-unassessed" : "pill-neutral"}`} data-testid="walk-answer">
            {shown}
          </span>
          {mine && value !== null && <span className="who who-person">You</span>}
        </span>
      </div>
      {answer.description && <p className="muted small walk-desc">{answer.description}</p>}
      {suggested && (
        <p className="walk-model small" id={modelId}>
          The model says: <strong>{answer.text}</strong>
          {typeof answer.confidence === "number" ? ` (${percent(answer.confidence)})` : ""}.{" "}
          <button type="button" className="btn btn-sm btn-secondary" aria-label={`Confirm ${answer.text} for ${title}`} onClick={() => save(value)}>
            Confirm
          </button>
        </p>
      )}
      <div className="answer-controls walk-choices" role="group" aria-labelledby={titleId}>
        {kindChoices(answer.kind, value).map(button)}
        {conditional && (
          <span className="walk-conditions" role="group" aria-label={`${title}: condition`}>
            {CONDITION_CHOICES.map(button)}
          </span>
        )}
        {PERSON_ONLY_CHOICES.map(button)}
      </div>
      {pending && (
        <p className={`small walk-state walk-${pending.state}`} data-testid="walk-state">
          {STATE_TEXT[pending.state]}
        </p>
      )}
      <details className="walk-more">
        <summary>
          Note or close-up{extras.length ? ` (${extras.join(", ")})` : ""}
          <span className="visually-hidden"> for {title}</span>
        </summary>
        <label className="field">
          <span>Note</span>
          <textarea
            value={note}
            rows={2}
            maxLength={4000}
            aria-label={`Note for ${title}`}
            onChange={(e) => setNote(e.target.value)}
            onBlur={() => {
              if (answered && note.trim() !== savedNote.trim()) save(value);
            }}
          />
        </label>
        {!answered && (note.trim() || photoIds.length > 0) && (
          <p className="muted small">Choose an answer above: the note and close-ups are saved with it.</p>
        )}
        {attached.length > 0 && (
          <ul className="answer-photos" aria-label={`Close-ups for ${title}`}>
            {attached.map((photo, i) => (
              <li key={photo.id}>
                <img src={photo.thumbnail_url} alt={`Close-up ${i + 1} for ${title}`} />
              </li>
            ))}
          </ul>
        )}
        {onCloseUp ? (
          <AddPhotosButton
            text={uploading ? "Uploading…" : "Add a close-up"}
            label={`Add a close-up to ${title}`}
            busy={uploading}
            camera
            onFiles={(files) => void addCloseUps(files)}
          />
        ) : (
          <p className="muted small">Close-ups go with a room: add them in the room’s checklist.</p>
        )}
      </details>
    </li>
  );
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
