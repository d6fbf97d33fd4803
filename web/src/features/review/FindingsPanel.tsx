import { useEffect, useMemo, useState } from "react";
import { useFocusBack } from "../../components/ui";
import FindingCard, { NoFindingsNote, photosById } from "./FindingCard";
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

  useEffect(() => {
    if (!draft) return;
    setNewDraft(draft);
    setEditing("new");
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
      onClose={() => setEditing(null)}
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
                  <li key={finding.id} data-testid="finding" className="finding-card is-editing">
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
                        <button type="button" className="btn btn-ghost btn-small" onClick={() => void remove(finding)} aria-label={`Remove ${finding.title}`}>
                          Remove
                        </button>
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
