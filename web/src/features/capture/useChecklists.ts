// The checklists of a scan being captured: the items and their answers come from the report (GET .../report
// answers every item of every room and of the house, the model's answer where there is one, else "not
// assessed"), overlaid by the walk-through's answers still on their way to the server (lib/answerQueue.ts).
import { useCallback, useEffect, useRef, useState } from "react";
import { AnswerQueue, answerKey, browserAnswerStore, type PendingAnswer } from "../../lib/answerQueue";
import { api } from "../../lib/api";
import { reviewApi, type Answer, type AnswerValue, type Report } from "../review/reviewApi";

export type Pending = PendingAnswer<AnswerValue>;
export type Checklist = Record<string, Answer>;
/** The house's type, answered in the house scope like an item, but not an item of its checklist. */
export const HOUSE_TYPE_ITEM = "house_type";

let shared: AnswerQueue<AnswerValue, Answer> | null = null;

/** One answer queue for the app: answers given on any page are sent when the connection returns. */
export function walkAnswers(): AnswerQueue<AnswerValue, Answer> {
  if (!shared) {
    const queue = new AnswerQueue<AnswerValue, Answer>(
      browserAnswerStore(),
      (entry, signal) =>
        reviewApi.putAnswer(
          entry.scanId,
          entry.scope,
          entry.itemId,
          { value: entry.value, note: entry.note, photo_ids: entry.photoIds },
          signal,
        ),
      () => api.userId(),
    );
    window.addEventListener("online", () => void queue.flush());
    // Signal lost mid-save: the answer is kept on the phone at once, not left "saving" on a request that may hang.
    window.addEventListener("offline", () => queue.connectionLost());
    shared = queue;
  }
  return shared;
}

export function checklistOf(report: Report | null, scope: string): Checklist | null {
  if (!report) return null;
  if (scope === "house") return report.house.checklist;
  return report.rooms.find((room) => room.id === scope)?.checklist ?? null;
}

/** How many items of a checklist the person has answered (a waiting answer counts: it is given). */
export function checkedCount(scanId: string, scope: string, checklist: Checklist, pending: ReadonlyMap<string, Pending>): number {
  return Object.entries(checklist).filter(
    ([itemId, answer]) => pending.has(answerKey(scanId, scope, itemId)) || answer.source === "person",
  ).length;
}

export interface Progress {
  checked: number;
  total: number;
}

interface SavedAnswer {
  seq: number;
  scope: string;
  itemId: string;
  answer: Answer;
}

export function useChecklists(scanId: string, roomIds: string) {
  const [report, setReport] = useState<Report | null>(null);
  const [pending, setPending] = useState<ReadonlyMap<string, Pending>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const queue = walkAnswers();
  // Answers the server took while a report was being fetched may be missing from it: laid over it again.
  const saved = useRef<{ seq: number; answers: SavedAnswer[] }>({ seq: 0, answers: [] });
  const loaded = useRef(false);
  const reportRef = useRef<Report | null>(null);
  reportRef.current = report;

  const load = useCallback(async () => {
    const since = saved.current.seq;
    try {
      const fresh = await reviewApi.report(scanId);
      saved.current.answers = saved.current.answers.filter((a) => a.seq > since);
      setReport(saved.current.answers.reduce<Report | null>((r, a) => withAnswer(r, a.scope, a.itemId, a.answer), fresh));
      loaded.current = true;
    } catch {
      // The checklists need the server once; the photos do not: the page works without them meanwhile.
      setError("The checklists could not be loaded. They come back with the connection.");
    }
  }, [scanId]);

  // The rooms changed (added or removed): their checklists with them.
  useEffect(() => {
    void load();
  }, [load, roomIds]);

  useEffect(() => {
    const stop = queue.subscribe({
      onChange: setPending,
      onSettled: ({ entry, answer, error: refused }) => {
        if (entry.scanId !== scanId) return;
        if (refused) {
          const title = checklistOf(reportRef.current, entry.scope)?.[entry.itemId]?.title ?? entry.itemId;
          setError(`${title}: not saved. ${refused.message}`);
          return;
        }
        const seq = ++saved.current.seq;
        saved.current.answers.push({ seq, scope: entry.scope, itemId: entry.itemId, answer });
        setReport((prev) => withAnswer(prev, entry.scope, entry.itemId, answer));
        // Which items the house's checklist has depends on its type (a flat has no roof to check): read again.
        if (entry.scope === "house" && entry.itemId === HOUSE_TYPE_ITEM) void load();
      },
    });
    void queue.flush(); // what an earlier visit kept goes now
    const online = () => {
      if (loaded.current) return;
      setError(null);
      void load();
    };
    window.addEventListener("online", online);
    return () => {
      stop();
      window.removeEventListener("online", online);
    };
  }, [queue, scanId, load]);

  const save = useCallback(
    (scope: string, itemId: string, value: AnswerValue, note: string | null, photoIds: string[]) => {
      setError(null);
      void queue.save({ scanId, scope, itemId, value, note, photoIds });
    },
    [queue, scanId],
  );

  const progress = useCallback(
    (scope: string): Progress | null => {
      const checklist = checklistOf(report, scope);
      if (!checklist) return null;
      return { checked: checkedCount(scanId, scope, checklist, pending), total: Object.keys(checklist).length };
    },
    [report, pending, scanId],
  );

  const whole: Progress | null = report
    ? ["house", ...report.rooms.map((r) => r.id)].reduce(
        (sum, scope) => {
          const p = progress(scope);
          return p ? { checked: sum.checked + p.checked, total: sum.total + p.total } : sum;
        },
        { checked: 0, total: 0 },
      )
    : null;

  // Answers of this scan kept on the phone until the connection returns.
  const waiting = [...pending.values()].filter((p) => p.entry.scanId === scanId && p.state === "waiting").length;

  return { report, pending, error, setError, save, progress, whole, waiting };
}

function withAnswer(report: Report | null, scope: string, itemId: string, answer: Answer): Report | null {
  if (!report) return report;
  if (scope === "house" && itemId === HOUSE_TYPE_ITEM) return { ...report, house: { ...report.house, house_type: answer } };
  if (scope === "house") return { ...report, house: { ...report.house, checklist: { ...report.house.checklist, [itemId]: answer } } };
  return {
    ...report,
    rooms: report.rooms.map((room) => (room.id === scope ? { ...room, checklist: { ...room.checklist, [itemId]: answer } } : room)),
  };
}
