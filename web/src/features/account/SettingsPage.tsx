import { useState, type FormEvent } from "react";
import { Alert, ConfirmButton, PageTitle, Spinner } from "../../components/ui";
import AccountSettings from "./AccountSettings";
import NotificationSettings from "./NotificationSettings";
import RegionSettings from "./RegionSettings";
import { useCustomItems, useInvalidateChecklists, useMergedChecklists } from "./queries";
import { api, ApiError } from "../../lib/api";
import { useAuth } from "../../lib/auth";
import { slugify } from "../../lib/format";
import {
  SCOPES,
  type ChecklistItem,
  type ChecklistItemInput,
  type Scope,
} from "../../lib/types";

const SCOPE_TEXT: Record<Scope, { title: string; help: string }> = {
  house: { title: "House", help: "Judged once for the whole home, e.g. “Signs of a recent renovation”." },
  room: { title: "Room", help: "Judged for every room, e.g. “Radiator condition”." },
  product: { title: "Products", help: "Things to look for in the photos, e.g. “Air conditioner”." },
};

const TYPE_TEXT: Record<ChecklistItem["type"], string> = {
  boolean: "Yes / no",
  categorical: "Rating (Poor – Excellent)",
  conditional: "Present? and its condition",
};

const QUALITY = ["Poor", "Average", "Good", "Excellent", "N/A"];

interface Draft {
  id: string;
  title: string;
  type: ChecklistItem["type"];
  description: string;
  editing: boolean;
}

const EMPTY_DRAFT: Draft = { id: "", title: "", type: "boolean", description: "", editing: false };

export default function SettingsPage() {
  const { user } = useAuth();
  const [scope, setScope] = useState<Scope>("room");
  const custom = useCustomItems();
  const merged = useMergedChecklists().data ?? null;
  const reloadChecklists = useInvalidateChecklists();
  const items = custom.data ?? (custom.isError ? [] : null);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [formError, setError] = useState<string[] | null>(null);
  const loadError = custom.error ? (custom.error instanceof ApiError ? custom.error.lines : ["Could not load your checklist items."]) : null;
  const error = formError ?? loadError;
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const mine = (items ?? []).filter((i) => i.scope === scope);
  const customIds = new Set(mine.map((i) => i.item.id));
  const base = (merged?.[scope] ?? []).filter((i) => !customIds.has(i.id));

  async function save(event: FormEvent) {
    event.preventDefault();
    const title = draft.title.trim();
    if (!title) {
      setError(["Give the item a title."]);
      return;
    }
    const item: ChecklistItemInput = {
      id: draft.editing ? draft.id : slugify(draft.id || title),
      title,
      type: draft.type,
      description: draft.description.trim(),
      options: draft.type === "boolean" ? null : QUALITY,
    };
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      if (draft.editing) await api.updateCustomItem(scope, item);
      else await api.createCustomItem(scope, item);
      setNotice(draft.editing ? `Saved “${title}”.` : `Added “${title}”. New scans will check it.`);
      setDraft(EMPTY_DRAFT);
      await reloadChecklists();
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not save the item."]);
    } finally {
      setBusy(false);
    }
  }

  async function remove(item: ChecklistItem) {
    setBusy(true);
    setError(null);
    try {
      await api.deleteCustomItem(scope, item.id);
      setNotice(`Removed “${item.title}”.`);
      await reloadChecklists();
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not remove the item."]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <PageTitle title="Settings">Settings</PageTitle>
      {user && (
        <p className="muted">
          Signed in as <strong>{user.email}</strong>
        </p>
      )}
      <h2 className="section-title">Custom checklist items</h2>
      <p className="muted">
        Add what matters to you. Your items are checked in every new scan, next to HouseScan’s standard checklist; an
        item with the same id as a standard one replaces it.
      </p>

      <div className="segmented" role="tablist" aria-label="Checklist scope">
        {SCOPES.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={scope === s}
            className={scope === s ? "active" : ""}
            onClick={() => {
              setScope(s);
              setDraft(EMPTY_DRAFT);
              setNotice(null);
              setError(null);
            }}
          >
            {SCOPE_TEXT[s].title}
          </button>
        ))}
      </div>
      <p className="muted small">{SCOPE_TEXT[scope].help}</p>

      {error && <Alert lines={error} />}
      {notice && <Alert tone="success" lines={[notice]} />}

      {items === null ? (
        <Spinner label="Loading checklist items…" />
      ) : (
        <div className="card" role="tabpanel" aria-label={`${SCOPE_TEXT[scope].title} items`}>
          <h3>Your items</h3>
          {mine.length === 0 && <p className="muted">No custom {SCOPE_TEXT[scope].title.toLowerCase()} items yet.</p>}
          <ul className="custom-items">
            {mine.map(({ item }) => (
              <li key={item.id} data-testid="custom-item">
                <div>
                  <strong>{item.title}</strong> <span className="chip chip-muted">{TYPE_TEXT[item.type]}</span>
                  {item.description && <p className="muted small">{item.description}</p>}
                </div>
                <div className="item-actions">
                  <button
                    type="button"
                    className="btn btn-sm btn-secondary"
                    onClick={() =>
                      setDraft({ id: item.id, title: item.title, type: item.type, description: item.description ?? "", editing: true })
                    }
                  >
                    Edit
                  </button>
                  <ConfirmButton label="Delete" confirmLabel="Delete item" busy={busy} onConfirm={() => void remove(item)} />
                </div>
              </li>
            ))}
          </ul>

          <form className="form item-form" onSubmit={save}>
            <h3>{draft.editing ? `Edit “${draft.title || draft.id}”` : "Add an item"}</h3>
            <label className="field">
              <span>Title</span>
              <input
                required
                maxLength={200}
                value={draft.title}
                onChange={(e) => setDraft((d) => ({ ...d, title: e.target.value }))}
              />
            </label>
            <label className="field">
              <span>Answer type</span>
              <select value={draft.type} onChange={(e) => setDraft((d) => ({ ...d, type: e.target.value as ChecklistItem["type"] }))}>
                {(Object.keys(TYPE_TEXT) as ChecklistItem["type"][]).map((t) => (
                  <option key={t} value={t}>
                    {TYPE_TEXT[t]}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>
                What to look for <em className="optional">optional</em>
              </span>
              <textarea
                rows={2}
                maxLength={1000}
                value={draft.description}
                onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
              />
            </label>
            <div className="actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {draft.editing ? "Save changes" : "Add item"}
              </button>
              {draft.editing && (
                <button type="button" className="btn btn-ghost" onClick={() => setDraft(EMPTY_DRAFT)}>
                  Cancel
                </button>
              )}
            </div>
          </form>

          {base.length > 0 && (
            <details className="base-items">
              <summary>Standard {SCOPE_TEXT[scope].title.toLowerCase()} checklist ({base.length} items)</summary>
              <ul>
                {base.map((item) => (
                  <li key={item.id}>
                    {item.title} <span className="muted small">· {TYPE_TEXT[item.type] ?? item.type}</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      <RegionSettings />
      <NotificationSettings />
      <AccountSettings />
    </section>
  );
}
