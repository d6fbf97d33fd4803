// Custom checklist items (tentative API, kept apart from the rest of the client).
import { API, api, type ApiClient } from "./api";
import type { ChecklistItem } from "./types";

export type Scope = "house" | "room" | "product";
export const SCOPES: Scope[] = ["house", "room", "product"];

export interface CustomItem {
  scope: Scope;
  item: ChecklistItem;
}

export interface MergedChecklists {
  house: ChecklistItem[];
  room: ChecklistItem[];
  product: ChecklistItem[];
}

const BASE = `${API}/checklists`;

/** An id the server accepts (^[a-z0-9_.-]+$) made from a title. */
export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 100) || "item"
  );
}

export function normaliseCustomItems(raw: unknown): CustomItem[] {
  // Accept [{scope, item}] or [{scope, ...item}] or {items: [...]}.
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as { items?: unknown })?.items) ? (raw as { items: unknown[] }).items : [];
  return list
    .map((entry) => {
      const e = entry as { scope?: Scope; item?: ChecklistItem } & Partial<ChecklistItem>;
      if (e.item && e.scope) return { scope: e.scope, item: e.item };
      if (e.scope && e.id && e.title) {
        const { scope, ...item } = e;
        return { scope, item: item as ChecklistItem };
      }
      return null;
    })
    .filter((x): x is CustomItem => x !== null);
}

export class ChecklistsClient {
  constructor(private readonly client: ApiClient = api) {}

  merged(): Promise<MergedChecklists> {
    return this.client.get<MergedChecklists>(BASE);
  }

  async list(): Promise<CustomItem[]> {
    return normaliseCustomItems(await this.client.get<unknown>(`${BASE}/custom-items`));
  }

  create(scope: Scope, item: ChecklistItem): Promise<CustomItem> {
    return this.client.post<CustomItem>(`${BASE}/custom-items`, { scope, item });
  }

  update(scope: Scope, item: ChecklistItem): Promise<CustomItem> {
    return this.client.request<CustomItem>(
      "PUT",
      `${BASE}/custom-items/${encodeURIComponent(scope)}/${encodeURIComponent(item.id)}`,
      { body: item },
    );
  }

  remove(scope: Scope, id: string): Promise<void> {
    return this.client.request<void>(
      "DELETE",
      `${BASE}/custom-items/${encodeURIComponent(scope)}/${encodeURIComponent(id)}`,
    );
  }
}

export const checklists = new ChecklistsClient();
