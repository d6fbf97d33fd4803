import { useState, type ReactNode } from "react";
import Lightbox from "./Lightbox";
import { MarkedPhoto, photoAlt } from "./MarkedPhoto";
import { SEVERITY_TITLE, TRADE_TITLE, type Finding, type ReportImage } from "./reviewApi";
import { formatCostRange } from "../../lib/format";

/** Every photo of a report by id: a finding names its photos by id, the rooms carry them. */
export function photosById(rooms: { images: ReportImage[] }[]): Map<string, ReportImage> {
  return new Map(rooms.flatMap((room) => room.images.map((image) => [image.id, image] as const)));
}

/** The finding made from an answer: the one of the same room (null for the house) and checklist item. */
export function findingOfAnswer(findings: Finding[], roomId: string | null, itemId: string | null | undefined): Finding | undefined {
  return itemId ? findings.find((f) => f.checklist_item_id === itemId && f.room_id === roomId) : undefined;
}

/** The id of a finding's card in the report, for a link from the answer it was made from. */
export function findingAnchor(findingId: string): string {
  return `finding-card-${findingId}`;
}

/** Said where no finding is recorded: an empty list never reads as a sound home. */
export function NoFindingsNote() {
  return (
    <p className="muted small" data-testid="no-findings">
      No findings is not a clean bill of health: only what was checked could be found (see Scope and limitations).
    </p>
  );
}

/**
 * One finding as a reader sees it: severity, title, room, who to call, cost, note, and its photos with the spot
 * marked (a photo opens full screen, marks and all). `currency` null hides the cost (a shared report has none).
 */
export default function FindingCard({
  finding,
  photos,
  currency,
  children,
}: {
  finding: Finding;
  photos: Map<string, ReportImage>;
  currency: string | null;
  children?: ReactNode;
}) {
  const [open, setOpen] = useState<number | null>(null);
  const images = finding.photo_ids.map((id) => photos.get(id)).filter((p): p is ReportImage => !!p);
  const marksOn = (photoId: string) => (finding.marks ?? []).filter((m) => m.photo_id === photoId);
  const hasCost = currency && typeof finding.cost_low === "number" && typeof finding.cost_high === "number";
  return (
    <li id={findingAnchor(finding.id)} tabIndex={-1} className={`finding-card severity-${finding.severity}`} data-testid="finding">
      <div className="finding-line">
        <span className={`badge badge-${finding.severity}`}>{SEVERITY_TITLE[finding.severity]}</span>
        <strong className="finding-title">{finding.title}</strong>
        {finding.room_name && <span className="muted small">{finding.room_name}</span>}
      </div>
      {(finding.trade || hasCost) && (
        <p className="finding-facts small" data-testid="finding-facts">
          {finding.trade && <span>Call: {TRADE_TITLE[finding.trade]}</span>}
          {hasCost && (
            <span>
              Cost: {formatCostRange(finding.cost_low!, finding.cost_high!, currency)}
              {finding.cost_source && finding.cost_source !== "person" && " (cost guide estimate)"}
            </span>
          )}
        </p>
      )}
      {finding.note && <p className="finding-note">{finding.note}</p>}
      {images.length > 0 && (
        <ul className="finding-photo-list" aria-label={`Photos of ${finding.title}`}>
          {images.map((image, i) => (
            <li key={image.id}>
              <button type="button" className="photo-button" onClick={() => setOpen(i)} aria-label={`Open photo ${i + 1} of ${finding.title}`}>
                <MarkedPhoto
                  src={image.thumbnail_url}
                  alt={photoAlt(`${finding.title}, photo ${i + 1}`, marksOn(image.id))}
                  marks={marksOn(image.id)}
                />
              </button>
            </li>
          ))}
        </ul>
      )}
      {open !== null && (
        <Lightbox images={images} index={open} title={finding.title} onIndex={setOpen} onClose={() => setOpen(null)} marksOf={marksOn} />
      )}
      {children}
    </li>
  );
}
