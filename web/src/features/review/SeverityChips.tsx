import { SEVERITIES, SEVERITY_TITLE } from "./reviewApi";

/** Findings per severity as coloured chips that say it in words too: "1 safety", "2 maintenance". */
export function SeverityChips({
  counts,
  empty,
  testId,
}: {
  counts: Partial<Record<string, number>> | null | undefined;
  empty: string;
  testId?: string;
}) {
  const shown = SEVERITIES.filter((s) => (counts?.[s] ?? 0) > 0);
  if (shown.length === 0) {
    return (
      <p className="finding-counts muted" data-testid={testId}>
        {empty}
      </p>
    );
  }
  return (
    <ul className="severity-chips" aria-label="Findings by severity" data-testid={testId}>
      {shown.map((s) => (
        <li key={s} className={`badge badge-${s}`}>
          {counts?.[s]} {SEVERITY_TITLE[s].toLowerCase()}
        </li>
      ))}
    </ul>
  );
}
