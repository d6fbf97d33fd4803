import { useEffect } from "react";
import { useParams } from "react-router-dom";
import { PageTitle, Spinner } from "../../components/ui";
import FindingCard, { NoFindingsNote, photosById } from "./FindingCard";
import { CheckedProgress, CostTotals, ScopeAndLimitations } from "./ReportFrame";
import { SeverityChips } from "./SeverityChips";
import { whoAnswered } from "./reviewApi";
import type { SharedReport } from "../../lib/account";
import { useSharedReport } from "./queries";
import { ApiError } from "../../lib/api";
import { formatDate, scannedAndUpdated, viewerTimeZone } from "../../lib/format";
import type { Audience } from "../../lib/types";
import "../account/account.css";
import "./review.css";

type Answer = SharedReport["report"]["house"]["house_type"];

/** The PDF behind the link with its times in the viewer's time zone, as the page shows them (without `tz`: UTC). */
function pdfInViewersZone(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${new URLSearchParams({ tz: viewerTimeZone() }).toString()}`;
}

function answers(checklist: Record<string, Answer> | undefined): [string, Answer][] {
  return Object.entries(checklist ?? {}).filter(([, answer]) => answer.value !== null && answer.value !== undefined);
}

function AnswerList({ checklist, audience }: { checklist: Record<string, Answer> | undefined; audience: Audience }) {
  const rows = answers(checklist);
  if (rows.length === 0) return <p className="muted">Nothing assessed.</p>;
  return (
    <dl className="answers">
      {rows.map(([id, answer]) => (
        <div key={id} className="answer-row">
          <dt>{answer.title ?? id}</dt>
          <dd>
            {answer.text || String(answer.value)}
            {whoAnswered(answer, audience) && <span className="who"> · {whoAnswered(answer, audience)}</span>}
            {answer.note ? <span className="muted"> — {answer.note}</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A page behind a share link is not for search engines. */
export function useNoIndex(): void {
  useEffect(() => {
    const meta = document.createElement("meta");
    meta.name = "robots";
    meta.content = "noindex, nofollow";
    document.head.appendChild(meta);
    return () => meta.remove();
  }, []);
}

export type SharedFailure = "gone" | "busy" | "error";

/** Why a shared page could not be read: 404 (expired, revoked, unknown), 429 (too many tries) or anything else. */
export function sharedFailure(err: unknown): SharedFailure {
  if (err instanceof ApiError && err.status === 404) return "gone";
  if (err instanceof ApiError && err.status === 429) return "busy";
  return "error";
}

/** What a reader sees when a shared page cannot be read; `what` is "report" or "repair list". */
export function SharedFailureCard({ failure, what }: { failure: SharedFailure; what: string }) {
  if (failure === "gone") {
    return (
      <section className="card shared-gone">
        <PageTitle title="Link expired or revoked">Link expired or revoked</PageTitle>
        <p className="muted">Ask the person who shared this {what} for a new link.</p>
      </section>
    );
  }
  const title = `Shared ${what}`;
  return (
    <section className="card">
      <PageTitle title={title}>{title}</PageTitle>
      <p role="alert">
        {failure === "busy" ? "Too many attempts from your connection. Please wait a few minutes." : `The ${what} could not be loaded. Please try again.`}
      </p>
    </section>
  );
}

/**
 * A report opened from a share link: read-only, no sign-in, no edit controls; it speaks to its reader (the
 * owner's answers and estimates are "by the person who inspected this home"), the findings with their photos and marks first, then what
 * they may cost by severity and by trade (as in the shared PDF).
 */
export default function SharedReportPage() {
  const { token = "" } = useParams();
  const query = useSharedReport(token);
  const shared = query.data ?? null;
  const failure = query.error ? sharedFailure(query.error) : null;
  useNoIndex();

  if (failure) return <SharedFailureCard failure={failure} what="report" />;
  if (!shared) return <Spinner label="Opening the shared report…" />;

  const report = shared.report;
  const audience: Audience = report.audience ?? "reader";
  const address = report.house.address || "A home";
  const photos = photosById(report.rooms);
  return (
    <article className="report shared-report">
      <PageTitle title={`Shared report: ${address}`}>{address}</PageTitle>
      <p className="muted">
        Shared inspection report, read-only. <span data-testid="report-times">{scannedAndUpdated(report.scanned_at, report.updated_at)}</span>.
        The link works until {formatDate(shared.expires_at, { dateOnly: true })}. <a href={pdfInViewersZone(shared.pdf_url)}>Download PDF</a>
      </p>
      {report.summary && <p className="report-summary" data-testid="summary">{report.summary}</p>}

      <section className="card findings" aria-labelledby="shared-findings-title" data-testid="findings">
        <div className="section-head">
          <h2 id="shared-findings-title">Findings</h2>
          <SeverityChips counts={report.finding_counts} empty="None recorded by the person who inspected this home." testId="finding-counts" />
        </div>
        {report.findings.length === 0 && <NoFindingsNote />}
        {report.findings.length > 0 && (
          <ul className="finding-cards">
            {report.findings.map((finding) => (
              <FindingCard key={finding.id} finding={finding} photos={photos} currency={report.costs?.currency ?? null} />
            ))}
          </ul>
        )}
      </section>

      <CostTotals costs={report.costs} audience={audience} />

      <ScopeAndLimitations report={report} audience={audience} />

      {(report.pros.length > 0 || report.cons.length > 0) && (
        <section className="card pros-cons">
          <div>
            <h2>Pros</h2>
            <ul>
              {report.pros.map((pro) => (
                <li key={pro}>{pro}</li>
              ))}
            </ul>
          </div>
          <div>
            <h2>Cons</h2>
            <ul>
              {report.cons.map((con) => (
                <li key={con}>{con}</li>
              ))}
            </ul>
          </div>
        </section>
      )}

      <section className="card">
        <h2>The house</h2>
        <p>
          Type: <strong>{report.house.house_type.text || "not assessed"}</strong>
        </p>
        <AnswerList checklist={report.house.checklist} audience={audience} />
      </section>

      {report.rooms.map((room) => (
        <section key={room.id} className="card room">
          <h2>{room.name}</h2>
          <p>
            Room type: <strong>{room.room_type.text || "not assessed"}</strong>
          </p>
          {room.images.length > 0 && (
            <div className="photo-strip">
              {room.images.map((image, i) => (
                <a key={image.id} href={image.url} target="_blank" rel="noreferrer">
                  <img src={image.thumbnail_url || image.url} alt={`${room.name}, photo ${i + 1}`} loading="lazy" />
                </a>
              ))}
            </div>
          )}
          <CheckedProgress checked={room.checked ?? 0} total={room.checklist_total ?? 0} label={room.name} />
          <AnswerList checklist={room.checklist} audience={audience} />
          {answers(room.products).length > 0 && (
            <>
              <h3>Products</h3>
              <AnswerList checklist={room.products} audience={audience} />
            </>
          )}
        </section>
      ))}
    </article>
  );
}
