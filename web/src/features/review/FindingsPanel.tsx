import { useEffect, useMemo, useState } from "react";
import { ConfirmButton, useFocusBack } from "../../components/ui";
import FindingCard, { NoFindingsNote, findingAnchor, findingOfAnswer, photosById } from "./FindingCard";
import FindingEditor from "./FindingEditor";
import { SeverityChips } from "./SeverityChips";
import { SEVERITIES, SEVERITY_TITLE, reviewApi, type Finding, type FindingInput, type Report, type ReportRoom } from "./reviewApi";

export interface FindingDraft extends FindingInput {
  /** Changes on every "Make this a finding", so the form takes the new draft. */
  key: number;
}

/**
 * The findings, by severity with counts, first in the report, each with its photos and marks; editable, they
 * open in the finding form (every field, close-ups, marks). Read-only (`editable` false) for a reader.
 */
export default function FindingsPanel({
  scanId,
  findings,
  counts,
  rooms,
  draft,
  editable,
  currency,
  onSaved,
  onError,
}: {
  scanId: string;
  findings: Finding[];
  /** Findings per severity; a severity without findings may be missing. */
  counts: Report["finding_counts"];
  rooms: ReportRoom[];
  draft: FindingDraft | null;
  editable: boolean;
  /** The account's currency; null hides costs. */
  currency: string | null;
  onSaved: () => void;
  onError: (message: string) => void;
}) {
  // "new" for the form adding a finding, else the id of the finding being edited.
  const [editing, setEditing] = useState<string | null>(null);
  const [newDraft, setNewDraft] = useState<FindingDraft | null>(null);
  const photos = useMemo(() => photosById(rooms), [rooms]);
  // When the form closes the focus goes back to what opened it: the finding's Edit button, or "Add a finding".
  const { opener, focus } = useFocusBack(editing, "new");

  // "Make this a finding" for an answer already a finding opens that finding, saying so; another is made only
  // when the person asks for one.
  const [repeated, setRepeated] = useState<{ draft: FindingDraft; findingId: string } | null>(null);

  useEffect(() => {
    if (!draft) return;
    const existing = findingOfAnswer(findings, draft.room_id ?? null, draft.checklist_item_id);
    if (existing) {
      setRepeated({ draft, findingId: existing.id });
      setEditing(existing.id);
      return;
    }
    setRepeated(null);
    setNewDraft(draft);
    setEditing("new");
    // Only a new draft opens the form: the findings changing (a save) must not open it again.
  }, [draft]);

  async function remove(finding: Finding) {
    try {
      await reviewApi.deleteFinding(scanId, finding.id);
      if (editing === finding.id) setEditing(null);
      onSaved();
      focus("new"); // its own buttons go with it
    } catch (e) {
      onError(e instanceof Error ? e.message : "The finding could not be removed.");
    }
  }

  const editor = (finding?: Finding) => (
    <FindingEditor
      key={finding?.id ?? `new-${newDraft?.key ?? 0}`}
      scanId={scanId}
      finding={finding}
      draft={finding ? null : newDraft}
      rooms={rooms}
      photos={photos}
      currency={currency ?? "EUR"}
      onSaved={onSaved}
      onCreated={(created) => {
        setEditing(created.id);
        onSaved();
      }}
      onClose={() => {
        setRepeated(null);
        setEditing(null);
      }}
      onError={onError}
    />
  );

  return (
    <section className="card findings" aria-labelledby="findings-title" data-testid="findings">
      <div className="section-head">
        <h2 id="findings-title" className="section-title">
          Findings
        </h2>
        <SeverityChips counts={counts} empty="None recorded yet." testId="finding-counts" />
      </div>
      {findings.length === 0 && <NoFindingsNote />}
      {SEVERITIES.map((severityName) => {
        const group = findings.filter((f) => f.severity === severityName);
        if (group.length === 0) return null;
        return (
          <div key={severityName} className={`finding-group severity-${severityName}`}>
            <h3>
              {SEVERITY_TITLE[severityName]} ({group.length})
            </h3>
            <ul>
              {group.map((finding) =>
                editable && editing === finding.id ? (
                  <li key={finding.id} id={findingAnchor(finding.id)} data-testid="finding" className="finding-card is-editing">
                    {repeated?.findingId === finding.id && (
                      <p className="muted small" role="status" data-testid="finding-exists">
                        This answer is already a finding: here it is to change.{" "}
                        <button
                          type="button"
                          className="btn btn-ghost btn-small"
                          onClick={() => {
                            setNewDraft(repeated.draft);
                            setRepeated(null);
                            setEditing("new");
                          }}
                        >
                          Make another finding from it
                        </button>
                      </p>
                    )}
                    {editor(finding)}
                  </li>
                ) : (
                  <FindingCard key={finding.id} finding={finding} photos={photos} currency={currency}>
                    {editable && (
                      <div className="actions">
                        <button
                          ref={opener(finding.id)}
                          type="button"
                          className="btn btn-secondary btn-small"
                          onClick={() => setEditing(finding.id)}
                          aria-label={`Edit ${finding.title}`}
                        >
                          Edit
                        </button>
                        <ConfirmButton
                          label="Remove"
                          name={`Remove finding ‘${finding.title}’`}
                          confirmLabel={`Remove ‘${finding.title}’ for good`}
                          onConfirm={() => void remove(finding)}
                          className="btn btn-ghost btn-danger btn-small"
                        />
                      </div>
                    )}
                  </FindingCard>
                ),
              )}
            </ul>
          </div>
        );
      })}
      {editable && editing === "new" && editor()}
      {editable && editing !== "new" && (
        <button
          ref={opener("new")}
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setNewDraft(null);
            setEditing("new");
          }}
        >
          Add a finding
        </button>
      )}
    </section>
  );
}
