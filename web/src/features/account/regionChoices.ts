/** The choices the region settings offer: currencies by name, and time zones found from a city's name. */

type IntlWithValues = typeof Intl & { supportedValuesOf?: (key: string) => string[] };

/** Used where the browser cannot list currencies or name them. */
const FALLBACK_CURRENCIES: Record<string, string> = {
  AUD: "Australian dollar",
  CAD: "Canadian dollar",
  CHF: "Swiss franc",
  CZK: "Czech koruna",
  DKK: "Danish krone",
  EUR: "Euro",
  GBP: "Pound sterling",
  JPY: "Japanese yen",
  NOK: "Norwegian krone",
  NZD: "New Zealand dollar",
  PLN: "Polish złoty",
  SEK: "Swedish krona",
  USD: "US dollar",
};

function supportedValues(key: "currency" | "timeZone"): string[] {
  try {
    return (Intl as IntlWithValues).supportedValuesOf?.(key) ?? [];
  } catch {
    return [];
  }
}

/** A currency no longer issued, as the browser names it: "Sierra Leonean Leone (1964—2022)". */
const WITHDRAWN = /\(\d{4}\s*[—–-]\s*\d{4}\)/;

function currencyNamer(): (code: string) => string | undefined {
  try {
    const names = new Intl.DisplayNames(["en"], { type: "currency", fallback: "none" });
    return (code) => names.of(code) ?? FALLBACK_CURRENCIES[code];
  } catch {
    return (code) => FALLBACK_CURRENCIES[code];
  }
}

export interface CurrencyOption {
  code: string;
  /** "GBP — British Pound"; the code alone when no name is known. */
  label: string;
}

/**
 * Every currency the browser knows (else a short list of common ones), by code, each with its name; `keep` (the
 * saved currency, the browser's guess) is offered even when the list lacks it, so the field never shows another.
 */
export function currencyOptions(keep: (string | null | undefined)[] = []): CurrencyOption[] {
  const codes = new Set(supportedValues("currency"));
  if (codes.size === 0) Object.keys(FALLBACK_CURRENCIES).forEach((code) => codes.add(code));
  keep.forEach((code) => code && /^[A-Z]{3}$/.test(code) && codes.add(code));
  const name = currencyNamer();
  const kept = new Set(keep);
  return [...codes]
    .sort()
    .filter((code) => kept.has(code) || !WITHDRAWN.test(name(code) ?? ""))
    .map((code) => {
      const known = name(code);
      return { code, label: known && known !== code ? `${code} — ${known}` : code };
    });
}

export function timeZones(): string[] {
  return supportedValues("timeZone");
}

/** The browser's own spelling of a zone it knows ("europe/london" → "Europe/London"), else null. */
function canonicalZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const words = (text: string) => text.trim().toLowerCase().replace(/[\s_]+/g, " ");

/**
 * The zones a person may mean by what they typed: a zone's own name; else the zones whose city is that name
 * ("London" → Europe/London, "new york" → America/New_York); else those whose name contains it ("Indiana" → each
 * of its zones). Empty when nothing matches.
 */
export function matchTimeZones(typed: string, zones: string[] = timeZones()): string[] {
  const wanted = words(typed);
  if (!wanted) return [];
  if (typed.includes("/") || zones.length === 0) {
    const own = canonicalZone(typed.trim());
    if (own) return [own];
  }
  const named = zones.find((zone) => words(zone) === wanted);
  if (named) return [named];
  const city = (zone: string) => words(zone.slice(zone.lastIndexOf("/") + 1));
  const byCity = zones.filter((zone) => city(zone) === wanted);
  if (byCity.length > 0) return byCity;
  const own = canonicalZone(typed.trim()); // "UTC", "GMT"
  if (own) return [own];
  return zones.filter((zone) => words(zone).includes(wanted));
}
