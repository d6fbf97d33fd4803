// Identifiers as a person reads them.

/** "living_room" → "Living room"; "detached_house" → "Detached house". */
export function humanize(id: string | null | undefined): string {
  if (!id) return "";
  const text = String(id).replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
