import { useEffect, useRef, useState } from "react";
import { Alert, ConfirmButton, useFocusBack } from "../../components/ui";
import { SEVERITY_TITLE } from "../review/reviewApi";
import { errorLines, saveBlob } from "../../lib/account";
import { formatCostRange, formatDate, formatMoney, plural } from "../../lib/format";
import type { Finding } from "../../lib/types";
import { ASKS, ASK_TITLE, draftBody, draftOf, draftProblems, draftTotal, type DraftItem } from "./decision";
import { decisionApi, type Ask, type RepairList } from "./decisionApi";
import "./decision.css";
import { useRepairLists } from "./queries";

const LINK_DAYS = [7, 30, 90];
/** An amount this many times a finding's high estimate or more is probably mistyped: the form says so (it still saves). */
const FAR_ABOVE = 10;


/** A link made by the last save or by "New link" (its token is shown once): the list it belongs to and its web page. */
interface MadeLink {
  listId: string;
  version: number;
  page: string;
  csv: string;
  pdf: string;
  /** Already put on the clipboard. */
  copied: boolean;
}

/** The link of an answer that shows its token (a save that made one, "New link"); null without one. */
function madeLink(list: RepairList, share: RepairList["share"]): MadeLink | null {
  const { token, page_url: page } = share;
  if (!token || !page) return null;
  return {
    listId: list.id,
    version: list.version,
    page,
    csv: decisionApi.sharedRepairListCsvUrl(token),
    pdf: decisionApi.sharedRepairListPdfUrl(token),
    copied: false,
  };
}

async function copied(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function linkState(list: RepairList): string {
  const { share } = list;
  if (share.state === "revoked") return "Link revoked: “New link” shares this version again";
  if (share.state === "expired") return `Link expired ${formatDate(share.expires_at, { dateOnly: true })}: “New link” shares it again`;
  const until = formatDate(share.expires_at, { dateOnly: true });
  return `${share.opened ? "Opened by a reader" : "Not opened yet"} · the link (shown once, when saved) works until ${until}`;
}

/**
 * The repair lists of a report: findings picked with what is asked for each (a repair, a credit of an amount, a
 * replacement), a note, the total; saving makes a read-only link to send. The list is edited in place until a
 * reader opens its link; a change after that is the next version, with a new link.
 */
export default function RepairListPanel({ scanId, findings, currency }: { scanId: string; findings: Finding[]; currency: string }) {
  const { query, fresh: freshLists, invalidate: load } = useRepairLists(scanId);
  const lists = query.data ?? null;
  const [editing, setEditing] = useState<RepairList | "new" | null>(null);
  const [made, setMade] = useState<MadeLink | null>(null);
  const [actionError, setError] = useState<string[] | null>(null);
  const error = actionError ?? (query.error ? errorLines(query.error, "The repair lists could not be loaded.") : null);
  // When the form closes the focus goes back to what opened it: that list's Edit button, or "New repair list".
  const { opener } = useFocusBack(editing === null ? null : editing === "new" ? "new" : editing.id, "new");
  const close = () => setEditing(null);

  function saved(list: RepairList) {
    close();
    const link = madeLink(list, list.share);
    if (link) setMade(link);
    void load();
  }

  /** A fresh link to the list's latest version: shown, and put on the clipboard where the browser allows it. */
  async function newLink(list: RepairList) {
    setError(null);
    try {
      const link = madeLink(list, await decisionApi.newRepairListLink(scanId, list.id));
      if (!link) throw new Error("no link in the answer");
      setMade({ ...link, copied: await copied(link.page) });
      await load();
    } catch (err) {
      setError(errorLines(err, "A new link could not be made."));
    }
  }

  /** Edit the latest state: a reader may have opened the link since the lists were read. */
  async function edit(list: RepairList) {
    setError(null);
    try {
      const fresh = await freshLists();
      setEditing(fresh.find((l) => l.id === list.id) ?? list);
    } catch (err) {
      setError(errorLines(err, "The repair list could not be opened."));
    }
  }

  async function revoke(list: RepairList) {
    setError(null);
    try {
      await decisionApi.revokeRepairList(scanId, list.id);
      if (made?.listId === list.id) setMade(null);
      await load();
    } catch (err) {
      setError(errorLines(err, "The link could not be revoked."));
    }
  }

  async function download(list: RepairList, kind: "csv" | "pdf", version?: number) {
    setError(null);
    try {
      const { blob, filename } = await (kind === "csv" ? decisionApi.repairListCsv : decisionApi.repairListPdf)(scanId, list.id, version);
      saveBlob(blob, filename ?? `repair-list-${list.id}-v${version ?? list.version}.${kind}`);
    } catch (err) {
      setError(errorLines(err, `The ${kind.toUpperCase()} could not be downloaded.`));
    }
  }

  return (
    <section className="card repair-lists" aria-labelledby="repair-lists-title" data-testid="repair-lists">
      <h2 id="repair-lists-title" className="section-title">
        Repair list
      </h2>
      <p className="muted">
        Pick findings to raise with the seller or landlord: ask for a repair, a credit off the price or a replacement. Saving makes a
        read-only link to send, with each finding’s photos and marks.
      </p>
      {error && <Alert lines={error} />}
      {made && <MadeLinkBox key={made.page} link={made} onClose={() => setMade(null)} />}
      {lists && lists.length > 0 && (
        <ul className="repair-list-index">
          {lists.map((list) => (
            <li key={list.id} data-testid="repair-list">
              <div>
                <strong>Version {list.version}</strong> · saved {formatDate(list.updated_at)} · {plural(list.items.length, "finding")}
                {list.total.asked > 0 && <> · asked {formatMoney(list.total.asked, list.total.currency)}</>}
                {list.total.cost_high > 0 && (
                  <>
                    {" "}
                    · estimated {formatCostRange(list.total.cost_low, list.total.cost_high, list.total.currency)}
                    {list.total.findings_with_costs < list.items.length && ` for ${plural(list.total.findings_with_costs, "finding")} with a cost`}
                  </>
                )}
                <p className="muted small">{linkState(list)}</p>
              </div>
              <div className="actions">
                <button
                  ref={opener(list.id)}
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => void edit(list)}
                  disabled={editing !== null}
                  aria-label={`Edit version ${list.version}`}
                >
                  Edit
                </button>
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void download(list, "pdf")} aria-label={`PDF of version ${list.version}`}>
                  PDF
                </button>
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void download(list, "csv")} aria-label={`CSV of version ${list.version}`}>
                  CSV
                </button>
                {list.share.state === "active" ? (
                  <>
                    <ConfirmButton
                      label="New link"
                      confirmLabel={`Replace version ${list.version}’s link`}
                      onConfirm={() => void newLink(list)}
                      className="btn btn-ghost btn-small"
                    />
                    <ConfirmButton label="Revoke link" confirmLabel="Revoke every version’s link" onConfirm={() => void revoke(list)} className="btn btn-ghost btn-danger btn-small" />
                  </>
                ) : (
                  <button type="button" className="btn btn-secondary btn-small" onClick={() => void newLink(list)} aria-label={`New link to version ${list.version}`}>
                    New link
                  </button>
                )}
              </div>
              {/* After the latest version's own buttons, so which version a button is of stays plain. */}
              <EarlierVersions list={list} onDownload={(version, kind) => void download(list, kind, version)} />
            </li>
          ))}
        </ul>
      )}
      {editing !== null ? (
        <RepairListForm
          key={editing === "new" ? "new" : `${editing.id}-${editing.version}`}
          scanId={scanId}
          findings={findings}
          currency={currency}
          list={editing === "new" ? null : editing}
          onSaved={saved}
          onCancel={close}
        />
      ) : findings.length === 0 ? (
        <p className="muted small">Record a finding first: a repair list is made of findings.</p>
      ) : (
        <button ref={opener("new")} type="button" className="btn btn-secondary" onClick={() => setEditing("new")}>
          New repair list
        </button>
      )}
    </section>
  );
}

/** The versions saved before the latest, each with its own PDF and CSV (what its reader was sent). */
function EarlierVersions({ list, onDownload }: { list: RepairList; onDownload: (version: number, kind: "csv" | "pdf") => void }) {
  const earlier = (list.versions ?? []).filter((v) => v.version < list.version);
  if (earlier.length === 0) return null;
  return (
    <details className="repair-versions" data-testid="repair-list-versions">
      <summary>Earlier versions ({earlier.length})</summary>
      <ul>
        {earlier.map((v) => (
          <li key={v.version}>
            <span>
              Version {v.version} · saved {formatDate(v.updated_at)} · {v.opened ? "opened by a reader" : "not opened"}
              {v.state !== "active" && ` · link ${v.state}`}
            </span>
            <span className="actions">
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onDownload(v.version, "pdf")} aria-label={`PDF of version ${v.version}`}>
                PDF
              </button>
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onDownload(v.version, "csv")} aria-label={`CSV of version ${v.version}`}>
                CSV
              </button>
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function MadeLinkBox({ link, onClose }: { link: MadeLink; onClose: () => void }) {
  const [isCopied, setCopied] = useState(link.copied);
  async function copy() {
    setCopied(await copied(link.page));
  }
  return (
    <div className="share-created repair-link" role="status" data-testid="repair-list-link">
      <label className="field">
        <span>Read-only link to version {link.version} (shown once: copy it now)</span>
        <input readOnly value={link.page} aria-label="Repair list link" onFocus={(event) => event.target.select()} />
      </label>
      <div className="actions">
        <button type="button" className="btn btn-secondary btn-small" onClick={() => void copy()}>
          {isCopied ? "Copied" : "Copy link"}
        </button>
        <a className="btn btn-ghost btn-small" href={link.page} target="_blank" rel="noreferrer">
          Open
        </a>
        <a className="btn btn-ghost btn-small" href={link.pdf}>
          Shared PDF
        </a>
        <a className="btn btn-ghost btn-small" href={link.csv}>
          Shared CSV
        </a>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}

function RepairListForm({
  scanId,
  findings,
  currency,
  list,
  onSaved,
  onCancel,
}: {
  scanId: string;
  findings: Finding[];
  currency: string;
  list: RepairList | null;
  onSaved: (list: RepairList) => void;
  onCancel: () => void;
}) {
  // A finding deleted from the report since the list was saved cannot be on the next version: it is left out (the
  // saved version keeps it as "a finding since deleted"), so what is ticked, counted and sent are the same.
  const [removed] = useState(() => (list ? list.items.filter((item) => !findings.some((f) => f.id === item.finding_id)) : []));
  const [items, setItems] = useState<DraftItem[]>(() => (list ? draftOf(list).filter((item) => findings.some((f) => f.id === item.finding_id)) : []));
  const [note, setNote] = useState(list?.note ?? "");
  const [showEstimates, setShowEstimates] = useState(() => list?.show_estimates ?? false);
  const [days, setDays] = useState(30);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => formRef.current?.querySelector<HTMLElement>("input, textarea, select")?.focus(), []);

  const titles = new Map(findings.map((f) => [f.id, f.title]));
  const problems = draftProblems(items, titles);
  const total = draftTotal(items, findings);
  /** Said under an amount far above the finding's estimate (and again by Save): probably mistyped, still saved. */
  const farAbove = (item: DraftItem): string | null => {
    const finding = findings.find((f) => f.id === item.finding_id);
    const amount = Number(item.amount);
    const high = finding?.cost_high;
    if (!finding || typeof high !== "number" || high <= 0 || !item.amount.trim() || !(amount > high * FAR_ABOVE)) return null;
    return `${finding.title}: ${formatMoney(amount, currency)} is far above your estimate (up to ${formatMoney(high, currency)}). Check the amount; it can still be saved.`;
  };
  const warnings = items.flatMap((item) => farAbove(item) ?? []);
  const itemOf = (id: string) => items.find((item) => item.finding_id === id);
  const change = (id: string, patch: Partial<DraftItem>) => setItems((prev) => prev.map((item) => (item.finding_id === id ? { ...item, ...patch } : item)));
  const toggle = (id: string, on: boolean) =>
    setItems((prev) => (on ? [...prev, { finding_id: id, ask: "repair", amount: "" }] : prev.filter((item) => item.finding_id !== id)));

  async function save() {
    setTried(true);
    if (problems.length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const body = { items: draftBody(items), note: note.trim() || null, show_estimates: showEstimates };
      onSaved(list ? await decisionApi.patchRepairList(scanId, list.id, body) : await decisionApi.createRepairList(scanId, { ...body, expires_in_days: days }));
    } catch (err) {
      setError(errorLines(err, "The repair list could not be saved."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="repair-list-form"
      aria-label={list ? `Edit repair list, version ${list.version}` : "New repair list"}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {removed.length > 0 && (
        <Alert
          tone="info"
          lines={[
            `${plural(removed.length, "finding")} on version ${list?.version} ${removed.length === 1 ? "was" : "were"} deleted from the report since${
              removed.some((item) => item.finding) ? `: ${removed.flatMap((item) => (item.finding ? [`“${item.finding.title}”`] : [])).join(", ")}` : ""
            }. Left out of this list; version ${list?.version} keeps ${removed.length === 1 ? "it" : "them"} as sent.`,
          ]}
        />
      )}
      {list && list.total.currency !== currency && (
        <Alert
          tone="info"
          lines={[
            `Version ${list.version} was saved in ${list.total.currency}; what you save now is in ${currency}, your account’s currency. Amounts are not converted: check each one.`,
          ]}
        />
      )}
      {list?.share.opened && (
        <Alert tone="info" lines={[`A reader has opened the link to version ${list.version}: saving makes version ${list.version + 1} with a new link; the old link keeps what was sent.`]} />
      )}
      <fieldset>
        <legend>Findings to raise</legend>
        <p className="muted small">For each, ask for a repair before completion, a credit off the price (give the amount), or a replacement.</p>
        <ul className="repair-pick">
          {findings.map((finding) => {
            const item = itemOf(finding.id);
            const cost =
              typeof finding.cost_low === "number" && typeof finding.cost_high === "number" ? formatCostRange(finding.cost_low, finding.cost_high, currency) : null;
            return (
              <li key={finding.id} className={item ? "is-picked" : undefined}>
                <label className="check">
                  <input type="checkbox" checked={!!item} onChange={(e) => toggle(finding.id, e.target.checked)} />
                  <span>
                    <strong>{finding.title}</strong>{" "}
                    <span className="muted small">
                      {SEVERITY_TITLE[finding.severity]}
                      {finding.room_name ? ` · ${finding.room_name}` : ""}
                      {cost ? ` · estimated ${cost}` : ""}
                    </span>
                  </span>
                </label>
                {item && (
                  <div className="field-row">
                    <label className="field">
                      <span>Ask</span>
                      <select value={item.ask} onChange={(e) => change(finding.id, { ask: e.target.value as Ask })} aria-label={`Ask for ${finding.title}`}>
                        {ASKS.map((ask) => (
                          <option key={ask} value={ask}>
                            {ASK_TITLE[ask]}
                          </option>
                        ))}
                      </select>
                    </label>
                    <label className="field">
                      <span>
                        Amount ({currency}){item.ask === "credit" ? "" : <em className="optional"> optional</em>}
                      </span>
                      <input
                        type="number"
                        inputMode="decimal"
                        min={0}
                        step="any"
                        value={item.amount}
                        aria-required={item.ask === "credit"}
                        onChange={(e) => change(finding.id, { amount: e.target.value })}
                        aria-label={`Amount for ${finding.title}, ${currency}`}
                        aria-describedby={farAbove(item) ? `far-above-${finding.id}` : undefined}
                      />
                    </label>
                  </div>
                )}
                {item && farAbove(item) && (
                  <p id={`far-above-${finding.id}`} className="warning-text small" data-testid="amount-far-above">
                    {farAbove(item)}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      </fieldset>
      <label className="field">
        <span>
          Note to the reader <em className="optional">optional</em>
        </span>
        <textarea rows={3} maxLength={4000} value={note} onChange={(e) => setNote(e.target.value)} name="repair-note" />
      </label>
      <label className="check">
        <input type="checkbox" checked={showEstimates} onChange={(e) => setShowEstimates(e.target.checked)} />
        <span>Show my cost estimates to the reader (left out unless ticked: the asks are what you send)</span>
      </label>
      {!list && (
        <label className="field">
          <span>Link valid for</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {LINK_DAYS.map((n) => (
              <option key={n} value={n}>
                {n} days
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="repair-total" aria-live="polite" data-testid="repair-draft-total">
        {plural(items.length, "finding")} ·{" "}
        {total.asked > 0 ? (
          <>
            asked <strong>{formatMoney(total.asked, currency)}</strong>
          </>
        ) : (
          "no amounts asked"
        )}
        {total.priced > 0 && <> · estimated {formatCostRange(total.costLow, total.costHigh, currency)} for {plural(total.priced, "finding")} with a cost</>}
      </p>
      {warnings.length > 0 && <Alert tone="warning" lines={warnings} />}
      {tried && problems.length > 0 && (
        <Alert lines={problems} />
      )}
      {error && <Alert lines={error} />}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : list ? "Save changes" : "Save and make link"}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
