import type { ReportRoom } from "../review/reviewApi";

/**
 * "What to photograph here": the things a room of its type shows that its checklist asks about, in the words the
 * report uses (the server's `photo_subjects`, review/photo_subjects.py), so what capture asks for and what the report
 * says was not seen agree. After an analysis, the ones its photos did not show are marked.
 */
export default function PhotoHint({ room }: { room: ReportRoom | undefined }) {
  const subjects = room?.photo_subjects ?? [];
  if (!room || subjects.length === 0) return null;
  const notSeen = new Set((room.what_to_photograph?.items ?? []).map((item) => item.key));
  return (
    <section className="photo-hint" aria-labelledby={`photo-hint-${room.id}`} data-testid="photo-hint">
      <h3 id={`photo-hint-${room.id}`} className="small-title">
        What to photograph here
      </h3>
      <ul>
        {subjects.map((subject) => (
          <li key={subject.key}>
            {subject.label.charAt(0).toUpperCase() + subject.label.slice(1)}
            {notSeen.has(subject.key) && <strong className="not-seen"> · not seen in its photos yet</strong>}
          </li>
        ))}
      </ul>
    </section>
  );
}
