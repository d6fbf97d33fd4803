import { useState } from "react";
import { ProgressBar } from "../../components/ui";
import { KEPT_TEXT, percent, type UploadItem, type UploadQueue } from "../../lib/uploadQueue";
import type { ImageRead } from "../../lib/types";

const STATUS_TEXT: Record<UploadItem["status"], string> = {
  staged: "Ready to upload",
  queued: "Waiting…",
  uploading: "Uploading",
  done: "Uploaded",
  duplicate: "Already uploaded",
  rejected: "Not accepted",
  failed: "Upload failed",
  offline: "Waiting for a connection",
};

/** A room's photos: those on the server, then those chosen here on their way (or refused, with the reason). */
export default function RoomPhotos({
  name,
  uploaded,
  items,
  queue,
}: {
  name: string;
  uploaded: ImageRead[];
  items: UploadItem[];
  queue: UploadQueue;
}) {
  return (
    <ul className="thumbs" aria-label={`Photos of ${name}`}>
      {uploaded.map((image, i) => (
        <li key={image.id} className="thumb" data-testid="thumb-uploaded">
          <img src={image.thumbnail_url} alt={`${name}, photo ${i + 1}`} loading="lazy" />
          <span className="thumb-status ok">Uploaded</span>
        </li>
      ))}
      {items.map((item) => (
        <li key={item.key} className={`thumb thumb-${item.status}`} data-testid={`thumb-${item.status}`}>
          <Preview src={item.preview} alt={item.name} />
          <span className={`thumb-status ${item.status === "rejected" || item.status === "failed" ? "bad" : ""}`}>
            {STATUS_TEXT[item.status]}
          </span>
          {(item.status === "uploading" || item.status === "queued") && (
            <ProgressBar value={percent(item)} label={`Uploading ${item.name}`} />
          )}
          <div className="thumb-info">
            <span className="thumb-name" title={item.name}>
              {item.name}
            </span>
            {item.messages.map((m, i) => (
              <span key={i} className={item.status === "duplicate" || m === KEPT_TEXT ? "thumb-note" : "thumb-error"}>
                {m}
              </span>
            ))}
            <span className="thumb-buttons">
              {item.status === "failed" && (
                <button type="button" className="btn btn-sm btn-secondary" onClick={() => queue.retry(item.key)}>
                  Retry
                </button>
              )}
              {item.status !== "uploading" && (
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  aria-label={`${item.status === "staged" || item.status === "queued" ? "Remove" : "Dismiss"} ${item.name}`}
                  onClick={() => queue.remove(item.key)}
                >
                  {item.status === "staged" || item.status === "queued" ? "Remove" : "Dismiss"}
                </button>
              )}
              {item.status === "uploading" && (
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  aria-label={`Cancel upload of ${item.name}`}
                  onClick={() => queue.remove(item.key)}
                >
                  Cancel
                </button>
              )}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}

/** A local preview; a file the browser cannot show as an image gets a neutral placeholder. */
function Preview({ src, alt }: { src?: string; alt: string }) {
  const [broken, setBroken] = useState(false);
  if (!src || broken) {
    return (
      <div className="thumb-ph" role="img" aria-label={`${alt} (no preview)`}>
        <span aria-hidden="true">?</span>
      </div>
    );
  }
  return <img src={src} alt={alt} onError={() => setBroken(true)} />;
}
