import { useEffect, useState } from "react";
import { useParams } from "react-router-dom";
import { PageTitle, Spinner } from "../components/ui";
import { accountApi, type SharedReport } from "../lib/account";
import { ApiError } from "../lib/api";
import "../components/account/account.css";

type Answer = SharedReport["report"]["house"]["house_type"];

const SEVERITY_TEXT: Record<string, string> = {
  safety: "Safety",
  major: "Major",
  maintenance: "Maintenance",
  note: "Note",
};

function answers(checklist: Record<string, Answer> | undefined): [string, Answer][] {
  return Object.entries(checklist ?? {}).filter(([, answer]) => answer.value !== null && answer.value !== undefined);
}

function AnswerList({ checklist }: { checklist: Record<string, Answer> | undefined }) {
  const rows = answers(checklist);
  if (rows.length === 0) return <p className="muted">Nothing assessed.</p>;
  return (
    <dl className="answers">
      {rows.map(([id, answer]) => (
        <div key={id} className="answer-row">
          <dt>{answer.title ?? id}</dt>
          <dd>
            {answer.text || String(answer.value)}
            {answer.note ? <span className="muted"> — {answer.note}</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A report opened from a share link: read-only, no sign-in, no costs, no edit controls. */
export default function SharedReportPage() {
  const { token = "" } = useParams();
  const [shared, setShared] = useState<SharedReport | null>(null);
  const [failure, setFailure] = useState<"gone" | "busy" | "error" | null>(null);

  useEffect(() => {
    const meta = document.createElement("meta");
    meta.name = "robots";
    meta.content = "noindex, nofollow";
    document.head.appendChild(meta);
    return () => meta.remove();
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    accountApi
      .sharedReport(token, controller.signal)
      .then((body) => {
        setShared(body);
        setFailure(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) setFailure("gone");
        else if (err instanceof ApiError && err.status === 429) setFailure("busy");
        else setFailure("error");
      });
    return () => controller.abort();
  }, [token]);

  if (failure === "gone") {
    return (
      <section className="card shared-gone">
        <PageTitle title="Link expired or revoked">Link expired or revoked</PageTitle>
        <p className="muted">Ask the person who shared this report for a new link.</p>
      </section>
    );
  }
  if (failure) {
    return (
      <section className="card">
        <PageTitle title="Shared report">Shared report</PageTitle>
        <p role="alert">
          {failure === "busy"
            ? "Too many attempts from your connection. Please wait a few minutes."
            : "The report could not be loaded. Please try again."}
        </p>
      </section>
    );
  }
  if (!shared) return <Spinner label="Opening the shared report…" />;

  const report = shared.report;
  const address = report.house.address || "A home";
  return (
    <article className="report shared-report">
      <PageTitle title={`Shared report: ${address}`}>{address}</PageTitle>
      <p className="muted">
        Shared inspection report, read-only. The link works until{" "}
        {new Date(shared.expires_at).toLocaleDateString("en-GB", { dateStyle: "medium" })}.{" "}
        <a href={shared.pdf_url}>Download PDF</a>
      </p>
      {report.summary && <p className="report-summary">{report.summary}</p>}

      <section className="card">
        <h2>Findings</h2>
        {report.findings.length === 0 ? (
          <p className="muted">No findings.</p>
        ) : (
          <ul className="findings">
            {report.findings.map((finding) => (
              <li key={finding.id} className={`finding finding-${finding.severity}`}>
                <strong>{SEVERITY_TEXT[finding.severity] ?? finding.severity}:</strong> {finding.title}
                {finding.note ? <span className="muted"> — {finding.note}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

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
        <AnswerList checklist={report.house.checklist} />
      </section>

      {report.rooms.map((room) => (
        <section key={room.id} className="card room">
          <h2>{room.name}</h2>
          <p>
            Room type: <strong>{room.room_type.text || "not assessed"}</strong>
          </p>
          {room.images.length > 0 && (
            <div className="photo-strip">
              {room.images.map((image) => (
                <a key={image.id} href={image.url} target="_blank" rel="noreferrer">
                  <img src={image.thumbnail_url || image.url} alt={`${room.name} photo`} loading="lazy" />
                </a>
              ))}
            </div>
          )}
          <AnswerList checklist={room.checklist} />
          {answers(room.products).length > 0 && (
            <>
              <h3>Products</h3>
              <AnswerList checklist={room.products} />
            </>
          )}
        </section>
      ))}
    </article>
  );
}
