// The account's currency and time zone (GET/PUT /api/v1/me/preferences): filled from the browser while unset,
// and the time zone every date of the app is written in (lib/format.ts).
import { api } from "../../lib/api";
import { knownTimeZone, setViewerTimeZone } from "../../lib/format";
import type { AccountPreferences } from "../../lib/types";

const PREFERENCES = "/api/v1/me/preferences";

// The currency of a locale's region; a region missing here falls back to the euro zone list (Bulgaria from 2026),
// then USD.
const REGION_CURRENCY: Record<string, string> = {
  GB: "GBP", US: "USD", CA: "CAD", AU: "AUD", NZ: "NZD", IE: "EUR", CH: "CHF", SE: "SEK", NO: "NOK", DK: "DKK",
  PL: "PLN", CZ: "CZK", HU: "HUF", RO: "RON", JP: "JPY", CN: "CNY", IN: "INR", BR: "BRL", MX: "MXN",
  ZA: "ZAR", SG: "SGD", HK: "HKD", KR: "KRW", IL: "ILS", TR: "TRY", AE: "AED", IS: "ISK",
};
const EURO_REGIONS = new Set(["AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK"]);

/** The currency a locale such as "en-GB" or "de-DE" most likely pays in. */
export function currencyOfLocale(locale: string): string {
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).maximize().region;
  } catch {
    region = undefined;
  }
  if (!region) return "USD";
  return REGION_CURRENCY[region] ?? (EURO_REGIONS.has(region) ? "EUR" : "USD");
}

/** What the browser says: its locale's currency and its time zone. */
export function browserPreferences(): { currency: string; time_zone: string } {
  const options = Intl.DateTimeFormat().resolvedOptions();
  const locale = Intl.NumberFormat().resolvedOptions().locale || options.locale;
  return { currency: currencyOfLocale(locale), time_zone: knownTimeZone(options.timeZone) ?? "UTC" };
}

export const preferencesApi = {
  get: () => api.get<AccountPreferences>(PREFERENCES),
  put: (body: AccountPreferences) => api.request<AccountPreferences>("PUT", PREFERENCES, { body }),
};

// Per signed-in user: another person signing in on this tab gets their own, never the last person's.
let loaded: { user: string | null; preferences: Promise<AccountPreferences> } | null = null;
let adopted: { user: string | null; preferences: AccountPreferences } | null = null;

/** Adopt saved preferences: their time zone becomes the one every date is written in. */
export function adoptPreferences(preferences: AccountPreferences): AccountPreferences {
  setViewerTimeZone(preferences.time_zone);
  const user = api.userId();
  loaded = { user, preferences: Promise.resolve(preferences) };
  adopted = { user, preferences };
  return preferences;
}

/** The signed-in person's preferences if this tab has them already (a page's first render can use them). */
export function adoptedPreferences(): AccountPreferences | null {
  return adopted && adopted.user === api.userId() ? adopted.preferences : null;
}

/**
 * The account's preferences, once per session: what is unset is filled from the browser and saved. Offline
 * or refused, the browser's own values are used without saving.
 */
export function accountPreferences(): Promise<AccountPreferences> {
  const user = api.userId();
  if (loaded?.user === user) return loaded.preferences;
  const preferences = (async () => {
    try {
      const saved = await preferencesApi.get();
      if (saved.currency && saved.time_zone) return adoptPreferences(saved);
      const guess = browserPreferences();
      const filled = { currency: saved.currency || guess.currency, time_zone: saved.time_zone || guess.time_zone };
      return adoptPreferences(await preferencesApi.put(filled).catch(() => filled));
    } catch {
      if (loaded?.user === user) loaded = null; // tried again next time
      return browserPreferences();
    }
  })();
  loaded = { user, preferences };
  return preferences;
}
