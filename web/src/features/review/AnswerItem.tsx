import { useEffect, useState } from "react";
import {
  QUALITIES,
  answerValue,
  confidenceSentence,
  isQuality,
  photoStrength,
  reviewApi,
  suggestsFinding,
  whoAnswered,
  type Answer,
  type AnswerValue,
  type Finding,
  type ReportImage,
} from "./reviewApi";
import { PERSON_ONLY_CHOICES, kindChoices, modelAnswerWords, sameValue } from "./choices";
import { PhotoPicker } from "./PhotoInputs";
import { findingAnchor } from "./FindingCard";
import { ConfirmButton } from "../../components/ui";

export interface AnswerItemProps {
  scanId: string;
  scope: string;
  /** The id the API takes: a checklist item id, or `products.{name}`. */
  itemId: string;
  answer: Answer;
  photos: ReportImage[];
  onSaved: () => void;
  onError: (message: string) => void;
  onMakeFinding?: (itemId: string, answer: Answer) => void;
  /** Which of `photos` a photo is, as a screen reader reads it ("Kitchen photo 2"); n counts from 1. */
  photoName?: (photo: ReportImage, n: number) => string;
  /** The finding made from this answer, if there is one: the item links to it rather than offer another. */
  finding?: Finding;
  /** Called as the answer is sent (saved or taken back): the item may move to another list once it is saved. */
  onAnswering?: () => void;
}

const numberedPhoto = (_: ReportImage, n: number) => `Photo ${n}`;

/** One checklist item or product: its answer, who gave it, and the controls to answer it. Saves at once. */
export default function AnswerItem({
  scanId,
  scope,
  itemId,
  answer,
  photos,
  onSaved,
  onError,
  onMakeFinding,
  photoName = numberedPhoto,
  onAnswering,
  finding,
}: AnswerItemProps) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState(answer.note ?? "");
  const [chosen, setChosen] = useState<string[]>(answer.photo_ids ?? []);
  useEffect(() => {
    setNote(answer.note ?? "");
    setChosen(answer.photo_ids ?? []);
  }, [answer.note, answer.photo_ids]);
  const photoIds = answer.photo_ids ?? [];
  const current = answerValue(answer.value);
  const mine = answer.source === "person";
  const title = answer.title ?? itemId;
  // What the model said under the person's answer: none means reverting leaves the item not assessed.
  const modelSaid = mine ? modelAnswerWords(answer) : null;

  // Said once the note and photos are saved (a polite status, as "Finding recorded" is shown): the note
  // appearing above is easy to miss, and a screen reader hears nothing of it.
  const [noteSaved, setNoteSaved] = useState("");

  async function save(value: AnswerValue, extra: { note?: string; photo_ids?: string[] } = {}): Promise<boolean> {
    if (busy) return false;
    onAnswering?.();
    setBusy(true);
    setNoteSaved("");
    try {
      await reviewApi.putAnswer(scanId, scope, itemId, {
        value,
        note: (extra.note ?? (mine ? answer.note : null)) || null,
        photo_ids: extra.photo_ids ?? (mine ? photoIds : []),
      });
      onSaved();
      return true;
    } catch (e) {
      onError(e instanceof Error ? e.message : "The answer could not be saved.");
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function saveNote(value: AnswerValue) {
    if (await save(value, { note, photo_ids: chosen })) setNoteSaved(noteSavedText(note, chosen));
  }

  async function revert() {
    onAnswering?.();
    setBusy(true);
    try {
      await reviewApi.revertAnswer(scanId, scope, itemId);
      onSaved();
    } catch (e) {
      onError(e instanceof Error ? e.message : "The answer could not be reverted.");
    } finally {
      setBusy(false);
    }
  }

  const choice = (text: string, value: AnswerValue) => (
    <button
      key={text}
      type="button"
      className={`btn btn-choice${mine && sameValue(current, value) ? " is-chosen" : ""}`}
      aria-pressed={mine && sameValue(current, value)}
      // Not `disabled` while saving: a browser takes the focus off a button it disables, to the top of the page.
      aria-disabled={busy}
      onClick={() => void save(value)}
    >
      {text}
    </button>
  );

  const kind = answer.kind;
  const controls = kindChoices(kind, current).map((c) => choice(c.text, c.value));
  if (kind !== "boolean" && kind !== "product" && kind !== "categorical") {
    const cond = current && typeof current === "object" ? current : null;
    controls.push(
      <select
        key="condition"
        aria-label={`${title} condition`}
        value={cond?.exists ? cond.condition ?? "" : ""}
        aria-disabled={busy}
        onChange={(e) => void save({ exists: true, condition: isQuality(e.target.value) ? e.target.value : null })}
      >
        <option value="">Condition…</option>
        {QUALITIES.map((q) => (
          <option key={q} value={q}>
            {q}
          </option>
        ))}
      </select>,
    );
  }
  controls.push(...PERSON_ONLY_CHOICES.map((c) => choice(c.text, c.value)));

  // A product the models looked for and did not see: "Not seen" says by whom (a bare "Not seen" named nobody).
  const lookedFor = current === null && !mine && answer.kind === "product" && !!answer.model;
  const who = whoAnswered(answer) || (lookedFor ? "Looked for by the model" : "");
  const meaning = confidenceSentence(answer);
  const strength = photoStrength(answer);
  return (
    <li className={`answer-item${mine ? " by-person" : ""}`} data-testid="answer-item" data-item={itemId}>
      <div className="answer-line">
        <span className="answer-title">{title}</span>
        <span className={`pill ${current === null ? "pill-unassessed" : "pill-neutral"}`} data-testid="answer-value">
          {answer.text}
        </span>
        {who && (
          <span
            className={`who ${mine ? "who-person" : "who-model"}${strength ? ` who-${strength}` : ""}`}
            data-testid="answer-source"
            data-photo-score={strength ?? undefined}
          >
            {who}
          </span>
        )}
      </div>
      {meaning && (
        <p className="muted small" data-testid="answer-meaning">
          {meaning}
        </p>
      )}
      {answer.description && <p className="answer-desc muted small">{answer.description}</p>}
      {mine && modelSaid !== null && <p className="muted small">The model said: {modelSaid}</p>}
      {answer.note && <p className="answer-note">“{answer.note}”</p>}
      {photoIds.length > 0 && (
        <ul className="answer-photos" aria-label={`Photos for ${title}`}>
          {photoIds.map((id) => {
            const n = photos.findIndex((p) => p.id === id) + 1;
            return n > 0 ? (
              <li key={id}>
                <img src={photos[n - 1].thumbnail_url} alt={`${photoName(photos[n - 1], n)}, for ${title}`} />
              </li>
            ) : null;
          })}
        </ul>
      )}
      <div className="answer-controls" role="group" aria-label={`Answer ${title}`}>
        {controls}
      </div>
      <div className="answer-actions">
        <details className="answer-more">
          <summary>Note or photo</summary>
          <label className="field">
            <span>Note</span>
            <textarea
              value={note}
              onChange={(e) => {
                setNote(e.target.value);
                setNoteSaved("");
              }}
              rows={2}
              maxLength={4000}
              aria-label={`Note for ${title}`}
            />
          </label>
          {photos.length > 0 && (
            <PhotoPicker legend={`Photos to attach to ${title}`} photos={photos} chosen={chosen} onChange={setChosen} photoName={photoName} />
          )}
          {!mine || current === null ? (
            // A note is saved with the person's own answer: saving it under the model's would make that answer
            // theirs (and a product the model did not see would read "not there") without their choosing it.
            <p className="muted small">
              {current === null ? "Choose an answer above first" : "The answer above is the model’s: choose yours above first"}; the note and
              photos are saved with it.
            </p>
          ) : (
            <button
              type="button"
              className="btn btn-secondary"
              disabled={busy}
              onClick={() => void saveNote(current)}
            >
              Save note and photos
            </button>
          )}
        </details>
        <p className="note-saved small" role="status" data-testid="note-saved">
          {noteSaved}
        </p>
        {mine && (
          <ConfirmButton
            label={modelSaid === null ? "Clear my answer" : "Use the model’s answer"}
            confirmLabel="Remove my answer, note and photos"
            onConfirm={() => void revert()}
            busy={busy}
            className="btn btn-ghost"
          />
        )}
        {finding ? (
          <p className="finding-recorded small" data-testid="finding-recorded">
            Finding recorded: <strong>{finding.title}</strong>{" "}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => showFinding(finding.id)} aria-label={`Show the finding ${finding.title}`}>
              Show it
            </button>
          </p>
        ) : (
          onMakeFinding &&
          suggestsFinding(itemId, answer) && (
            <button type="button" className="btn btn-secondary" onClick={() => onMakeFinding(itemId, answer)}>
              Make this a finding
            </button>
          )
        )}
      </div>
    </li>
  );
}

function noteSavedText(note: string, photoIds: string[]): string {
  const hasNote = note.trim() !== "";
  if (hasNote && photoIds.length > 0) return "Note and photos saved.";
  if (hasNote) return "Note saved.";
  if (photoIds.length > 0) return "Photos saved.";
  return "Saved: no note or photos.";
}

/** Scrolls to a finding's card in the report and gives it the focus, so a screen reader reads it next. */
function showFinding(findingId: string): void {
  const card = document.getElementById(findingAnchor(findingId));
  card?.scrollIntoView?.({ block: "start" });
  card?.focus({ preventScroll: true });
}
