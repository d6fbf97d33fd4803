import { useState } from "react";
import { AddPhotosButton } from "./PhotoInputs";
import type { Report, ReportRoom } from "./reviewApi";

export type PhotoHint = NonNullable<ReportRoom["what_to_photograph"]>;

/**
 * Analysed rooms whose photos did not show what their checklist asks (the server's sentences, review/photo_subjects.py),
 * each with a way to add photos of that room when the reader is its owner. The added photos wait for a re-analysis,
 * which the report offers once they are there.
 */
export default function WhatToPhotograph({
  report,
  onAddPhotos,
}: {
  report: Report;
  /** Adds photos to a room; absent on a shared report (its reader cannot add any). */
  onAddPhotos?: (room: ReportRoom, files: File[]) => Promise<void>;
}) {
  const hints = report.limitations.what_to_photograph ?? [];
  if (hints.length === 0) return null;
  return (
    <div data-testid="what-to-photograph">
      <h3 className="small-title">What the photos did not show ({hints.length})</h3>
      <ul>
        {hints.map((hint) => (
          <HintLine key={hint.room_id} hint={hint} room={report.rooms.find((r) => r.id === hint.room_id)} onAddPhotos={onAddPhotos} />
        ))}
      </ul>
    </div>
  );
}

function HintLine({
  hint,
  room,
  onAddPhotos,
}: {
  hint: PhotoHint;
  room: ReportRoom | undefined;
  onAddPhotos?: (room: ReportRoom, files: File[]) => Promise<void>;
}) {
  const [state, setState] = useState<"idle" | "adding" | "added" | "failed">("idle");
  const add = (files: File[]) => {
    if (!room || !onAddPhotos || files.length === 0) return;
    setState("adding");
    onAddPhotos(room, files).then(
      () => setState("added"),
      () => setState("failed"),
    );
  };
  return (
    <li data-testid="photo-hint">
      <p>{hint.sentence}</p>
      {room && onAddPhotos && (
        <AddPhotosButton
          text={state === "adding" ? "Adding photos…" : `Add photos of ${hint.room_name}`}
          label={`Add photos of ${hint.room_name}: ${hint.items.map((item) => item.label).join(", ")}`}
          busy={state === "adding"}
          camera
          onFiles={add}
        />
      )}
      {state === "added" && (
        <p className="muted small" role="status">
          Photos added. Re-analyse the room so its new photos are looked at.
        </p>
      )}
      {state === "failed" && (
        <p className="small" role="alert">
          The photos could not be added. Try again.
        </p>
      )}
    </li>
  );
}
