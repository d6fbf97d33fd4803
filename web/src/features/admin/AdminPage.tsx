// Operators' analytics: success rate, outcomes, processing times, failures by reason and spend, as charts.
// Admins only (the route checks the role; the API answers 403 to anyone else).
import { useEffect, useMemo, useState, type ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  LabelList,
  Legend,
  Pie,
  PieChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { Alert, PageTitle, Spinner } from "../../components/ui";
import { ApiError } from "../../lib/api";
import { useAnalytics } from "./queries";
import { formatDate, plural } from "../../lib/format";
import {
  COLORS,
  DEFAULT_PERIOD,
  PERIODS,
  agentSeries,
  dailySeries,
  dayLabel,
  failureSeries,
  formatRate,
  formatSeconds,
  formatUsd,
  legendRank,
  outcomeSlices,
  unlistedFailures,
} from "./adminAnalytics";

const CHART_HEIGHT = 260;
const NARROW = "(max-width: 600px)";

/** A phone's width: axis labels get less room there. */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => typeof window !== "undefined" && !!window.matchMedia?.(NARROW).matches);
  useEffect(() => {
    const query = window.matchMedia?.(NARROW);
    if (!query) return;
    const update = () => setNarrow(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return narrow;
}

function Figure({ id, title, note, children }: { id: string; title: string; note?: ReactNode; children: ReactNode }) {
  return (
    <figure className="card" data-testid={`chart-${id}`} aria-labelledby={`chart-${id}-title`} style={{ margin: "0 0 16px" }}>
      <figcaption>
        <h2 id={`chart-${id}-title`} className="section-title">
          {title}
        </h2>
        {note && <p className="muted small">{note}</p>}
      </figcaption>
      {children}
    </figure>
  );
}

function Stat({ id, label, value, detail }: { id: string; label: string; value: string; detail?: string }) {
  return (
    <div className="card" style={{ margin: 0, padding: "12px 16px" }}>
      <dt className="muted small">{label}</dt>
      <dd style={{ margin: 0, fontSize: "1.6rem", fontWeight: 700 }} data-testid={id}>
        {value}
      </dd>
      {detail && <dd className="muted small" style={{ margin: 0 }}>{detail}</dd>}
    </div>
  );
}

const Empty = ({ children }: { children: ReactNode }) => <p className="muted">{children}</p>;

export default function AdminPage() {
  const [days, setDays] = useState<number>(DEFAULT_PERIOD);
  const analytics = useAnalytics(days);
  const data = analytics.data ?? null;
  const error = analytics.error ? (analytics.error instanceof ApiError ? analytics.error.lines : ["Could not load the analytics."]) : null;
  const narrow = useNarrow();

  const daily = useMemo(() => (data ? dailySeries(data.scans_per_day, data.spend_per_day) : []), [data]);
  const slices = useMemo(() => (data ? outcomeSlices(data.outcomes) : []), [data]);
  const agents = useMemo(() => (data ? agentSeries(data.processing_seconds.by_agent) : []), [data]);
  const failures = useMemo(() => (data ? failureSeries(data.failures_by_reason, narrow ? 28 : 48) : []), [data, narrow]);

  return (
    <section data-testid="admin-page">
      <div className="page-head">
        <PageTitle title="Operations">Operations</PageTitle>
        <div className="actions" role="group" aria-label="Period">
          {PERIODS.map((period) => (
            <button
              key={period}
              type="button"
              className={`btn btn-sm ${period === days ? "btn-primary" : "btn-secondary"}`}
              aria-pressed={period === days}
              onClick={() => setDays(period)}
            >
              {period} days
            </button>
          ))}
        </div>
      </div>

      {error && <Alert title="The analytics could not be loaded" lines={error} />}
      {!data && !error && <Spinner label="Loading the analytics…" />}
      {data && (
        <>
          <p className="muted small" data-testid="period">
            Scans created from {dayLabel(data.since.slice(0, 10))} to now ({plural(data.days, "day")}, UTC), and the model spend
            of those days.
          </p>
          <dl
            style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(150px, 1fr))", gap: 12, margin: "0 0 16px" }}
          >
            <Stat
              id="success-rate"
              label="Success rate"
              value={formatRate(data.success_rate)}
              detail={`${data.outcomes.succeeded} of ${data.outcomes.succeeded + data.outcomes.failed} ended scans`}
            />
            <Stat id="scan-count" label="Scans" value={String(data.outcomes.total)} detail={`${data.outcomes.failed} failed`} />
            <Stat
              id="processing-p50"
              label="Processing, median"
              value={formatSeconds(data.processing_seconds.p50)}
              detail={`p95 ${formatSeconds(data.processing_seconds.p95)}`}
            />
            <Stat
              id="total-spend"
              label="Model spend"
              value={formatUsd(data.total_cost_usd)}
              detail={plural(data.spend_per_day.reduce((sum, day) => sum + day.calls, 0), "paid call")}
            />
          </dl>

          <Figure id="daily" title="Scans per day" note="By the day each scan was created; “other” are still draft, queued or running.">
            <BarChart data={daily} responsive style={{ width: "100%", height: CHART_HEIGHT }} margin={{ left: -20, right: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={12} />
              <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
              <Tooltip />
              <Legend itemSorter={(item) => legendRank(item.value)} />
              <Bar dataKey="succeeded" name="Succeeded" stackId="scans" fill={COLORS.succeeded} isAnimationActive={false} />
              <Bar dataKey="failed" name="Failed" stackId="scans" fill={COLORS.failed} isAnimationActive={false} />
              <Bar dataKey="other" name="Other" stackId="scans" fill={COLORS.draft} isAnimationActive={false} />
            </BarChart>
          </Figure>

          <Figure id="outcomes" title="Outcomes">
            {slices.length === 0 ? (
              <Empty>No scans in this period.</Empty>
            ) : (
              <PieChart responsive style={{ width: "100%", height: CHART_HEIGHT }}>
                <Pie
                  data={slices}
                  dataKey="value"
                  nameKey="name"
                  innerRadius="45%"
                  outerRadius="75%"
                  paddingAngle={1}
                  isAnimationActive={false}
                >
                  <LabelList dataKey="value" position="outside" />
                </Pie>
                <Tooltip />
                <Legend itemSorter={(item) => legendRank(item.value)} />
              </PieChart>
            )}
          </Figure>

          <Figure
            id="agents"
            title="Processing time per agent"
            note={`Median and 95th percentile of each agent's runs, in seconds. Whole scans: median ${formatSeconds(
              data.processing_seconds.p50,
            )}, p95 ${formatSeconds(data.processing_seconds.p95)} over ${plural(data.processing_seconds.count, "succeeded scan")}.`}
          >
            {agents.length === 0 ? (
              <Empty>No agent runs in this period.</Empty>
            ) : (
              <>
                <BarChart
                  data={agents}
                  layout="vertical"
                  responsive
                  style={{ width: "100%", height: Math.max(160, 56 * agents.length + 60) }}
                  margin={{ right: 48 }}
                >
                  <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" tick={{ fontSize: 12 }} unit=" s" />
                  <YAxis type="category" dataKey="label" width={narrow ? 90 : 120} tick={{ fontSize: 12 }} />
                  <Tooltip formatter={(value) => formatSeconds(Number(value))} />
                  <Legend itemSorter={(item) => legendRank(item.value)} />
                  <Bar dataKey="p50" name="p50" fill={COLORS.p50} isAnimationActive={false}>
                    <LabelList dataKey="p50" position="right" formatter={(value) => formatSeconds(Number(value))} />
                  </Bar>
                  <Bar dataKey="p95" name="p95" fill={COLORS.p95} isAnimationActive={false}>
                    <LabelList dataKey="p95" position="right" formatter={(value) => formatSeconds(Number(value))} />
                  </Bar>
                </BarChart>
                <table className="small" style={{ width: "100%", marginTop: 8 }} data-testid="agents-table">
                  <thead>
                    <tr>
                      <th style={{ textAlign: "left" }}>Agent</th>
                      <th style={{ textAlign: "right" }}>Runs</th>
                      <th style={{ textAlign: "right" }}>Failed</th>
                      <th style={{ textAlign: "right" }}>p50</th>
                      <th style={{ textAlign: "right" }}>p95</th>
                    </tr>
                  </thead>
                  <tbody>
                    {agents.map((agent) => (
                      <tr key={agent.agent}>
                        <td>{agent.label}</td>
                        <td style={{ textAlign: "right" }}>{agent.runs}</td>
                        <td style={{ textAlign: "right" }}>{agent.failed}</td>
                        <td style={{ textAlign: "right" }}>{formatSeconds(agent.p50)}</td>
                        <td style={{ textAlign: "right" }}>{formatSeconds(agent.p95)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Figure>

          <Figure id="failures" title="Failures by reason" note="Messages that differ only in ids, numbers or addresses count together.">
            {failures.length === 0 ? (
              <Empty>No failed scans in this period.</Empty>
            ) : (
              <>
                <BarChart
                  data={failures}
                  layout="vertical"
                  responsive
                  style={{ width: "100%", height: Math.max(120, 40 * failures.length + 40) }}
                  margin={{ right: 32 }}
                >
                  <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12 }} />
                  <YAxis type="category" dataKey="short" width={narrow ? 130 : 220} tick={{ fontSize: 11 }} />
                  <Tooltip />
                  <Bar dataKey="count" name="Failed scans" fill={COLORS.failed} isAnimationActive={false}>
                    <LabelList dataKey="count" position="right" />
                  </Bar>
                </BarChart>
                <ul className="small" data-testid="failure-reasons" style={{ paddingLeft: 18 }}>
                  {failures.map((failure) => (
                    <li key={failure.reason}>
                      <strong>{failure.count}×</strong> {failure.reason}
                      <span className="muted"> — last {formatDate(failure.last_seen)}: “{failure.example}”</span>
                    </li>
                  ))}
                </ul>
                {unlistedFailures(data) > 0 && (
                  <p className="muted small">{plural(unlistedFailures(data), "other failure")} with rarer reasons.</p>
                )}
              </>
            )}
          </Figure>

          <Figure id="spend" title="Model spend per day" note="Every paid model call, of failed attempts and deleted scans too.">
            <BarChart data={daily} responsive style={{ width: "100%", height: CHART_HEIGHT }} margin={{ left: -8, right: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={12} />
              <YAxis tick={{ fontSize: 12 }} tickFormatter={(value: number) => formatUsd(value)} />
              <Tooltip formatter={(value) => formatUsd(Number(value))} />
              <Bar dataKey="cost_usd" name="Spend" fill={COLORS.spend} isAnimationActive={false} />
            </BarChart>
          </Figure>
        </>
      )}
    </section>
  );
}
