import { useCallback, useEffect, useRef } from "react";
import { useDialogFocus } from "../../components/ui";
import { MarkedPhoto, photoAlt } from "./MarkedPhoto";
import type { Mark } from "./marks";
import type { ReportImage } from "./reviewApi";

/**
 * A photo full screen: Escape or the close button closes it, arrows move between the photos. `marksOf` draws
 * a finding's marks over each photo.
 */
export default function Lightbox({
  images,
  index,
  title,
  onIndex,
  onClose,
  marksOf,
}: {
  images: ReportImage[];
  index: number;
  title: string;
  onIndex: (index: number) => void;
  onClose: () => void;
  marksOf?: (imageId: string) => Mark[];
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const count = images.length;
  const move = useCallback((step: number) => onIndex((index + step + count) % count), [index, count, onIndex]);
  // The focus starts on Close and goes back to the photo that opened it.
  const dialogRef = useDialogFocus<HTMLDivElement>(closeRef);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
      else if (event.key === "ArrowRight") move(1);
      else if (event.key === "ArrowLeft") move(-1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, onClose]);
  const image = images[index];
  if (!image) return null;
  return (
    <div ref={dialogRef} className="lightbox" role="dialog" aria-modal="true" aria-label={`${title}, photo ${index + 1} of ${count}`} onClick={onClose}>
      <div className="lightbox-photo" onClick={(e) => e.stopPropagation()}>
        <MarkedPhoto
          src={image.medium_url ?? image.url}
          alt={photoAlt(`${title}, photo ${index + 1} of ${count}`, marksOf?.(image.id) ?? [])}
          marks={marksOf?.(image.id) ?? []}
        />
      </div>
      <div className="lightbox-bar" onClick={(e) => e.stopPropagation()}>
        {count > 1 && (
          <button type="button" className="btn btn-secondary" onClick={() => move(-1)} aria-label="Previous photo">
            ‹
          </button>
        )}
        <span className="lightbox-count">
          {index + 1} / {count}
        </span>
        <a className="btn btn-secondary" href={image.url} target="_blank" rel="noopener">
          Original
        </a>
        {count > 1 && (
          <button type="button" className="btn btn-secondary" onClick={() => move(1)} aria-label="Next photo">
            ›
          </button>
        )}
        <button type="button" ref={closeRef} className="btn btn-primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
