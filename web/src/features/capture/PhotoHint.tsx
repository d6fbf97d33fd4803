import type { ReportRoom } from "../review/reviewApi";

const AND = new Intl.ListFormat("en-GB", { style: "long", type: "conjunction" });

/**
 * "What to photograph here": the things a room of its type shows that its checklist asks about, in the words the
 * report uses (the server's `photo_subjects`, review/photo_subjects.py), so what capture asks for and what the report
 * says was not seen agree. After an analysis, the ones its photos did not show are said again.
 */
export default function PhotoHint({ room }: { room: ReportRoom | undefined }) {
  const subjects = room?.photo_subjects ?? [];
  if (!room || subjects.length === 0) return null;
  const notSeen = room.what_to_photograph?.items ?? [];
  return (
    <section className="photo-hint" data-testid="photo-hint">
      <p>
        <strong>What to photograph here:</strong> {AND.format(subjects.map((subject) => subject.label))}.
      </p>
      {notSeen.length > 0 && (
        <p data-testid="photo-hint-not-seen">
          <strong>Not seen in its photos yet:</strong> {AND.format(notSeen.map((subject) => subject.label))}.
        </p>
      )}
    </section>
  );
}
