import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { MarkedPhoto } from "./MarkedPhoto";
import { MARK_SHAPES, SHAPE_TITLE, markLabel, moveMark, placeMark, resizeMark, type Mark, type MarkShape } from "./marks";
import type { ReportImage } from "./reviewApi";

const STEP = 0.02;
const BIG_STEP = 0.1;

/**
 * Mark the spot on one photo: tap or drag on it to place a box, a pin or an arrow; the selected mark moves
 * with the arrow keys, grows and shrinks with + and -, goes with Delete. Enter on the photo puts a mark in
 * its middle, for those without a pointer. `onSave` gets this photo's marks.
 */
export default function MarkEditor({
  photo,
  title,
  initial,
  busy,
  onSave,
  onCancel,
}: {
  photo: ReportImage;
  title: string;
  initial: Mark[];
  busy?: boolean;
  onSave: (marks: Mark[]) => void;
  onCancel: () => void;
}) {
  const [marks, setMarks] = useState<Mark[]>(initial);
  const [shape, setShape] = useState<MarkShape>("box");
  const [selected, setSelected] = useState<number | null>(initial.length ? 0 : null);
  const [said, setSaid] = useState("");
  const surface = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLDivElement>(null);
  const pressed = useRef<{ x: number; y: number } | null>(null);
  // Opened, the focus is on the photo, whose description says the keys (the editor opens below the button).
  useEffect(() => input.current?.focus(), []);

  function fractionAt(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const box = surface.current?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return { x: 0.5, y: 0.5 };
    return { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
  }

  function add(mark: Mark) {
    const next = [...marks, mark];
    setMarks(next);
    setSelected(next.length - 1);
    setSaid(`${markLabel(mark, next.length - 1)} placed`);
  }

  function change(index: number, mark: Mark) {
    setMarks(marks.map((m, i) => (i === index ? mark : m)));
    setSaid(markLabel(mark, index));
  }

  function remove(index: number) {
    setMarks(marks.filter((_, i) => i !== index));
    setSelected(marks.length > 1 ? Math.max(0, index - 1) : null);
    setSaid(`${SHAPE_TITLE[marks[index].shape]} ${index + 1} removed`);
  }

  function onPointerDown(event: PointerEvent<HTMLDivElement>) {
    event.preventDefault();
    pressed.current = fractionAt(event);
    event.currentTarget.setPointerCapture?.(event.pointerId);
  }

  function onPointerUp(event: PointerEvent<HTMLDivElement>) {
    const start = pressed.current;
    pressed.current = null;
    if (!start) return;
    add(placeMark(photo.id, shape, start, fractionAt(event)));
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const step = event.shiftKey ? BIG_STEP : STEP;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      add(placeMark(photo.id, shape, { x: 0.5, y: 0.5 }));
      return;
    }
    if (selected === null || !marks[selected]) return;
    const mark = marks[selected];
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    if (event.key in moves) {
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      change(selected, moveMark(mark, dx, dy));
    } else if (event.key === "+" || event.key === "=") {
      event.preventDefault();
      change(selected, resizeMark(mark, step));
    } else if (event.key === "-" || event.key === "_") {
      event.preventDefault();
      change(selected, resizeMark(mark, -step));
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      remove(selected);
    }
  }

  return (
    <div className="mark-editor" data-testid="mark-editor">
      <fieldset className="mark-shapes">
        <legend>Mark with</legend>
        {MARK_SHAPES.map((s) => (
          <label key={s} className={`btn btn-choice${shape === s ? " is-chosen" : ""}`}>
            <input type="radio" name={`mark-shape-${photo.id}`} value={s} checked={shape === s} onChange={() => setShape(s)} className="visually-hidden" />
            {shape === s && (
              <span aria-hidden="true" data-testid="shape-tick">
                ✓
              </span>
            )}
            {SHAPE_TITLE[s]}
          </label>
        ))}
      </fieldset>
      <p className="muted small" id={`mark-help-${photo.id}`}>
        Tap the spot, or drag across it for a box. Keys: Enter adds a mark in the middle, arrows move the selected
        mark (Shift: further), + and − resize it, Delete removes it.
      </p>
      <MarkedPhoto
        ref={surface}
        src={photo.medium_url ?? photo.url}
        alt=""
        marks={marks}
        selected={selected}
        className="mark-surface"
      >
        <div
          ref={input}
          className="mark-input"
          role="application"
          tabIndex={0}
          aria-label={`Mark the spot on the photo of ${title}`}
          aria-describedby={`mark-help-${photo.id}`}
          data-testid="mark-surface"
          onPointerDown={onPointerDown}
          onPointerUp={onPointerUp}
          onPointerCancel={() => (pressed.current = null)}
          onKeyDown={onKeyDown}
        />
      </MarkedPhoto>
      <p className="visually-hidden" role="status" aria-live="polite">
        {said}
      </p>
      {marks.length > 0 && (
        <ol className="mark-list" aria-label="Marks on this photo">
          {marks.map((mark, i) => (
            <li key={i}>
              <button
                type="button"
                className={`btn btn-ghost btn-small${selected === i ? " is-chosen" : ""}`}
                aria-pressed={selected === i}
                onClick={() => {
                  setSelected(i);
                  input.current?.focus();
                }}
              >
                {markLabel(mark, i)}
              </button>
              <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove ${SHAPE_TITLE[mark.shape].toLowerCase()} ${i + 1}`} onClick={() => remove(i)}>
                Remove
              </button>
            </li>
          ))}
        </ol>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => onSave(marks)}>
          Save marks
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
