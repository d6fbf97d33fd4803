import { useLayoutEffect, useRef } from "react";
import AnswerItem, { type AnswerItemProps } from "./AnswerItem";
import { findingOfAnswer } from "./FindingCard";
import { answerValue, type Answer, type Finding, type ReportImage } from "./reviewApi";

export interface Entry {
  itemId: string;
  answer: Answer;
}

/**
 * Answered items listed; the products the models looked for in an analysed room and did not see collapsed into
 * one line ("3 not seen in the photos — review"), and the ones no one assessed into another ("6 items not
 * assessed — review"), so that neither reads as the other.
 */
export default function ChecklistReview({
  scanId,
  scope,
  entries,
  photos,
  editable,
  onSaved,
  onError,
  onMakeFinding,
  label,
  analysed = false,
  photoName,
  findings = [],
}: {
  scanId: string;
  scope: string;
  entries: Entry[];
  photos: ReportImage[];
  editable: boolean;
  onSaved: () => void;
  onError: (message: string) => void;
  onMakeFinding?: (itemId: string, answer: Answer) => void;
  label: string;
  /** The models looked at this room's photos: a product they did not see there is "not seen". */
  analysed?: boolean;
  photoName?: AnswerItemProps["photoName"];
  /** The report's findings: an answer made a finding links to it. */
  findings?: Finding[];
}) {
  const ref = useRef<HTMLDivElement>(null);
  const answering = useRef<Entry | null>(null);
  // An answer can move its item to another list (a product not seen, once answered, joins the answered ones),
  // which mounts it anew: the button pressed goes, and the focus with it to the top of the page. Once the
  // item's new answer is here, a focus so lost goes to the item where it now is.
  useLayoutEffect(() => {
    const sent = answering.current;
    const now = sent && entries.find((e) => e.itemId === sent.itemId);
    if (!sent || !now || now.answer === sent.answer) return;
    answering.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const items = Array.from(ref.current?.querySelectorAll("[data-item]") ?? []);
    focusWithin(items.find((item) => item.getAttribute("data-item") === sent.itemId));
  });
  const isAnswered = (e: Entry) => answerValue(e.answer.value) !== null || e.answer.source === "person";
  const isNotSeen = (e: Entry) => analysed && !isAnswered(e) && e.answer.kind === "product";
  const answered = entries.filter(isAnswered);
  const notSeen = entries.filter(isNotSeen);
  const open = entries.filter((e) => !isAnswered(e) && !isNotSeen(e));
  const item = (e: Entry) =>
    editable ? (
      <AnswerItem
        key={e.itemId}
        scanId={scanId}
        scope={scope}
        itemId={e.itemId}
        answer={e.answer}
        photos={photos}
        onSaved={onSaved}
        onError={onError}
        onMakeFinding={onMakeFinding}
        photoName={photoName}
        onAnswering={() => (answering.current = e)}
        finding={findingOfAnswer(findings, scope === "house" ? null : scope, e.itemId)}
      />
    ) : (
      <li key={e.itemId} className="answer-item" data-testid="answer-item" data-item={e.itemId}>
        <div className="answer-line">
          <span className="answer-title">{e.answer.title ?? e.itemId}</span>
          <span className="pill pill-neutral">{e.answer.text}</span>
        </div>
      </li>
    );
  return (
    <div ref={ref} className="checklist-review" role="group" aria-label={label}>
      {answered.length > 0 ? <ul className="answer-list">{answered.map(item)}</ul> : null}
      {notSeen.length > 0 && (
        <details className="not-seen" data-testid="not-seen">
          <summary>{notSeen.length} not seen in the photos — review</summary>
          <ul className="answer-list">{notSeen.map(item)}</ul>
        </details>
      )}
      {open.length > 0 && (
        <details className="not-assessed" data-testid="not-assessed">
          <summary>
            {open.length} {open.length === 1 ? "item" : "items"} not assessed — review
          </summary>
          <ul className="answer-list">{open.map(item)}</ul>
        </details>
      )}
    </div>
  );
}

/** The item's chosen answer, else its first button; in a closed group, the group's own line. */
function focusWithin(item: Element | null | undefined): void {
  if (!item) return;
  const closed = item.closest("details:not([open])");
  const target = closed
    ? closed.querySelector("summary")
    : (item.querySelector('button[aria-pressed="true"]') ?? item.querySelector("button"));
  if (target instanceof HTMLElement) target.focus();
}
