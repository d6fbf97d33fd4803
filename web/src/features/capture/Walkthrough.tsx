import { useEffect, useRef, useState } from "react";
import { ProgressBar } from "../../components/ui";
import { answerKey } from "../../lib/answerQueue";
import type { AnswerValue } from "../review/reviewApi";
import { valueText } from "../review/choices";
import WalkItem, { type Thumb } from "./WalkItem";
import type { Checklist, Pending, Progress } from "./useChecklists";

interface Props {
  scanId: string;
  /** `house` or a room id. */
  scope: string;
  /** What the list is of, as a heading reads it ("Kitchen", "The house"). */
  name: string;
  checklist: Checklist;
  pending: ReadonlyMap<string, Pending>;
  progress: Progress;
  photos: Thumb[];
  onCloseUp?: (files: File[]) => Promise<string[]>;
  onSave: (itemId: string, value: AnswerValue, note: string | null, photoIds: string[]) => void;
  onError: (message: string) => void;
}

export function progressText({ checked, total }: Progress): string {
  return `${checked} of ${total} checked`;
}

/** A room's (or the house's) checklist as quick answers, with how much is checked; skippable. */
export default function Walkthrough({ scanId, scope, name, checklist, pending, progress, photos, onCloseUp, onSave, onError }: Props) {
  const [skipped, setSkipped] = useState(false);
  const [said, setSaid] = useState("");
  const headingRef = useRef<HTMLHeadingElement>(null);
  const reopenRef = useRef<HTMLButtonElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return; // focus follows the person's own skip or reopen only
    (skipped ? reopenRef : headingRef).current?.focus();
  }, [skipped]);
  const toggle = (next: boolean) => {
    moved.current = true;
    setSkipped(next);
  };
  const headingId = `walk-${scope}`;
  const percentChecked = progress.total ? (progress.checked / progress.total) * 100 : 0;

  if (skipped) {
    return (
      <section className="walk card" aria-labelledby={headingId} data-testid="walkthrough">
        <h2 id={headingId} className="section-title">
          Checklist: {name}
        </h2>
        <p data-testid="walk-progress">
          Skipped for now: {progressText(progress)}. What you skip stays “not assessed” in the report, where you can
          still answer it.
        </p>
        <button ref={reopenRef} type="button" className="btn btn-secondary" onClick={() => toggle(false)}>
          Open the checklist
        </button>
      </section>
    );
  }

  return (
    <section className="walk card" aria-labelledby={headingId} data-testid="walkthrough">
      <div className="walk-top">
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className="section-title">
          Checklist: {name}
        </h2>
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => toggle(true)}>
          Skip the checklist
        </button>
      </div>
      <p className="muted small">
        One tap per item. “Not visible” when you looked and could not see it, “N/A” when it does not apply. Anything
        you leave stays “not assessed”.
      </p>
      <p className="walk-progress" data-testid="walk-progress">
        {progressText(progress)}
      </p>
      <ProgressBar value={percentChecked} label={`Checklist of ${name}: ${progressText(progress)}`} />
      <div className="visually-hidden" aria-live="polite">
        {said}
      </div>
      <ul className="walk-list">
        {Object.entries(checklist).map(([itemId, answer]) => (
          <WalkItem
            key={itemId}
            itemId={itemId}
            answer={answer}
            pending={pending.get(answerKey(scanId, scope, itemId))}
            photos={photos}
            onCloseUp={onCloseUp}
            onError={onError}
            onSave={(value, note, photoIds) => {
              const first = !pending.has(answerKey(scanId, scope, itemId)) && answer.source !== "person";
              const checked = progress.checked + (first ? 1 : 0);
              setSaid(`${answer.title ?? itemId}: ${valueText(value)}. ${checked} of ${progress.total} checked.`);
              onSave(itemId, value, note, photoIds);
            }}
          />
        ))}
      </ul>
    </section>
  );
}
