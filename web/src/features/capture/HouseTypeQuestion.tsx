// House type without an exterior (issue 25 part 5): when no room of the scan shows the outside, the photos
// cannot say what kind of home this is, so the house step asks the person (one tap, skippable) instead of
// letting the model guess. The choice is the person's answer to the house's `house_type`, sent like the
// walk-through's answers (kept on the phone while offline); skipping leaves it not assessed. A type the person
// already gave (on the Start a scan page, or here) shows as their answer, with Change to pick another.
import { useRef, useState } from "react";
import { HOUSE_TYPES, label, type Report } from "../review/reviewApi";
import type { Pending } from "./useChecklists";

type HouseType = (typeof HOUSE_TYPES)[number];

/** Whether a room of the report shows the outside: by the person's name for it ("Garden", "Jardin"), their
 * answer, or the model's reading once analysed (the report's room type says whichever counts). */
export function showsExterior(report: Report): boolean {
  return report.rooms.some((room) => room.room_type.value === "exterior");
}

interface Props {
  /** The scan's report (null until loaded: nothing is asked before the rooms are known). */
  report: Report | null;
  /** The house type chosen here and not on the server yet. */
  pending?: Pending;
  onChoose: (houseType: HouseType) => void;
}

export default function HouseTypeQuestion({ report, pending, onChoose }: Props) {
  const [skipped, setSkipped] = useState(false);
  // The person's answer is shown as given; the choices come back only when they ask to change it.
  const [changing, setChanging] = useState(false);
  const [said, setSaid] = useState("");
  const reopenRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const changeRef = useRef<HTMLButtonElement>(null);
  if (!report || showsExterior(report)) return null;

  const answer = report.house.house_type;
  const given = pending ? pending.entry.value : answer.source === "person" ? answer.value : null;
  const chosen = typeof given === "string" ? given : null;

  const skip = (next: boolean) => {
    setSkipped(next);
    requestAnimationFrame(() => (next ? reopenRef : headingRef).current?.focus());
  };
  const change = (next: boolean) => {
    setChanging(next);
    requestAnimationFrame(() => (next ? headingRef : changeRef).current?.focus());
  };
  // First in both views, so the one live region stays when a choice turns the question into the answer.
  const announcer = (
    <div className="visually-hidden" aria-live="polite">
      {said}
    </div>
  );
  const waiting = pending?.state === "waiting" && (
    <p className="walk-state walk-waiting" data-testid="house-type-waiting">
      Saved on this phone: it goes to the server when the connection returns.
    </p>
  );

  if (skipped) {
    return (
      <section className="walk card" aria-labelledby="house-type-q" data-testid="house-type-question">
        <h2 id="house-type-q" className="section-title">
          What kind of home is this?
        </h2>
        <p className="muted">
          {chosen ? `You said: ${label(chosen)}.` : "Skipped: the house type stays “not assessed”."} You can answer it in
          the report.
        </p>
        <button ref={reopenRef} type="button" className="btn btn-secondary" onClick={() => skip(false)}>
          Answer now
        </button>
      </section>
    );
  }

  if (chosen && !changing) {
    return (
      <section className="walk card" aria-labelledby="house-type-q" data-testid="house-type-question">
        {announcer}
        <div className="walk-top">
          <h2 id="house-type-q" className="section-title">
            House type
          </h2>
          <button
            ref={changeRef}
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label="Change the house type"
            onClick={() => change(true)}
          >
            Change
          </button>
        </div>
        <p data-testid="house-type-answer">
          {label(chosen)} <span className="muted">· your answer</span>
        </p>
        {waiting}
      </section>
    );
  }

  return (
    <section className="walk card" aria-labelledby="house-type-q" data-testid="house-type-question">
      {announcer}
      <div className="walk-top">
        <h2 id="house-type-q" ref={headingRef} tabIndex={-1} className="section-title">
          What kind of home is this?
        </h2>
        {chosen ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => change(false)}>
            Keep {label(chosen)}
          </button>
        ) : (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => skip(true)}>
            Skip
          </button>
        )}
      </div>
      <p className="muted small">
        {chosen
          ? "Your answer counts over anything the photos suggest."
          : "None of the rooms shows the outside, so the photos cannot tell. One tap, or skip it: it then stays “not assessed”, and you can answer it in the report."}
      </p>
      <div className="answer-controls walk-choices" role="group" aria-labelledby="house-type-q">
        {HOUSE_TYPES.map((type) => (
          <button
            key={type}
            type="button"
            className={`btn btn-choice${chosen === type ? " is-chosen" : ""}`}
            aria-pressed={chosen === type}
            onClick={() => {
              setSaid(`House type: ${label(type)}.`);
              onChoose(type);
              change(false);
            }}
          >
            {label(type)}
          </button>
        ))}
      </div>
      {waiting}
    </section>
  );
}
