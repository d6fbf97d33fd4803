// Sharing, notifications and account calls (issue 14), on the one API client. Shapes are aliases of the
// generated OpenAPI types (api-schema.d.ts), never written by hand.
import type { components } from "./api-schema";
import { API, api, ApiError } from "./api";
import type { TokenPair } from "./types";

type Schemas = components["schemas"];

export type Preferences = Schemas["PreferencesRead"];
export type PreferencesUpdate = Schemas["PreferencesUpdate"];
export type PushSubscriptionBody = Schemas["PushSubscriptionCreate"];
export type ShareCreated = Schemas["ShareCreated"];
export type ShareRead = Schemas["ShareRead"];
export type ShareList = Schemas["ShareList"];
export type SharedReport = Schemas["SharedReport"];
export type SharedReportBody = Schemas["Report"];

const enc = encodeURIComponent;

export const accountApi = {
  // ---- notifications
  preferences: () => api.request<Preferences>("GET", `${API}/me/notifications`),
  updatePreferences: (body: PreferencesUpdate) => api.request<Preferences>("PUT", `${API}/me/notifications`, { body }),
  vapidPublicKey: () =>
    api.request<Schemas["VapidPublicKey"]>("GET", `${API}/notifications/vapid-public-key`, { auth: false }),
  addPushSubscription: (body: PushSubscriptionBody) =>
    api.request<Schemas["PushSubscriptionRead"]>("POST", `${API}/me/push-subscriptions`, { body }),

  // ---- share links
  createShare: (scanId: string, expiresInDays?: number) =>
    api.request<ShareCreated>("POST", `${API}/scans/${enc(scanId)}/shares`, {
      body: expiresInDays ? { expires_in_days: expiresInDays } : {},
    }),
  listShares: (scanId: string) => api.request<ShareList>("GET", `${API}/scans/${enc(scanId)}/shares`),
  revokeShare: (scanId: string, shareId: string) =>
    api.request<void>("DELETE", `${API}/scans/${enc(scanId)}/shares/${enc(shareId)}`),
  sharedReport: (token: string, signal?: AbortSignal) =>
    api.request<SharedReport>("GET", `${API}/shared/${enc(token)}`, { auth: false, signal }),

  // ---- account
  requestPasswordReset: (email: string) =>
    api.request<void>("POST", `${API}/auth/password-reset`, { body: { email }, auth: false }),
  confirmPasswordReset: (token: string, password: string) =>
    api.request<void>("POST", `${API}/auth/password-reset/confirm`, { body: { token, password }, auth: false }),
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const pair = await api.request<TokenPair>("POST", `${API}/me/password`, {
      body: { current_password: currentPassword, new_password: newPassword },
    });
    api.setTokens(pair); // this session goes on; every other one has ended
  },
  deleteAccount: (password: string) => api.request<void>("DELETE", `${API}/me`, { body: { password } }),
  exportData: () => api.download(`${API}/me/export`),
};

/** Lines to show for a failed call. */
export function errorLines(err: unknown, fallback: string): string[] {
  return err instanceof ApiError ? err.lines : [fallback];
}

/** Save a downloaded blob under its name. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
