import { useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { Alert, PageTitle, ProgressBar } from "../components/ui";
import { api, ApiError } from "../lib/api";
import { plural, roomName } from "../lib/format";
import { MAX_PHOTO_BYTES, humanSize } from "../lib/photoCheck";
import {
  browserOutbox,
  percent,
  queueFor,
  requestBackgroundSync,
  sendOutbox,
  UPLOADS_SENT_EVENT,
  UploadQueue,
  type UploadItem,
} from "../lib/uploadQueue";
import type { ImageRead, ScanDetail } from "../lib/types";

interface Props {
  scan: ScanDetail;
  setScan: (update: (prev: ScanDetail | null) => ScanDetail | null) => void;
  reload: () => Promise<ScanDetail | null>;
}

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

function addImage(scan: ScanDetail | null, image: ImageRead, ordinal: number): ScanDetail | null {
  if (!scan) return scan;
  return {
    ...scan,
    rooms: scan.rooms.map((room) =>
      (image.room_id ? room.id === image.room_id : room.ordinal === ordinal) && !room.images.some((i) => i.id === image.id)
        ? { ...room, images: [...room.images, image] }
        : room,
    ),
  };
}

export default function CapturePage({ scan, setScan, reload }: Props) {
  const [params, setParams] = useSearchParams();
  const rooms = useMemo(() => [...scan.rooms].sort((a, b) => a.ordinal - b.ordinal), [scan.rooms]);
  // Resume where photos are missing; chosen once, so the view does not jump when a room fills up.
  const [firstEmpty] = useState(() => rooms.find((r) => r.images.length === 0)?.ordinal ?? rooms[0]?.ordinal ?? 0);
  const requested = Number(params.get("room"));
  const ordinal = params.has("room") && rooms.some((r) => r.ordinal === requested) ? requested : firstEmpty;
  const index = Math.max(0, rooms.findIndex((r) => r.ordinal === ordinal));
  const room = rooms[index];

  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const [finishing, setFinishing] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const queueRef = useRef<UploadQueue | null>(null);
  if (queueRef.current === null) {
    // One queue per scan for the life of the app: leaving this page sends its photos instead of dropping them.
    queueRef.current = queueFor(
      scan.id,
      () =>
        new UploadQueue(
          (file, name, roomOrdinal, onProgress) => api.upload(scan.id, [{ file, name, roomOrdinal }], onProgress),
          () => undefined,
          2,
        ),
    );
    queueRef.current.keepOffline({
      scanId: scan.id,
      outbox: browserOutbox(),
      token: () => api.getTokens()?.access_token ?? null,
      requestSync: requestBackgroundSync,
    });
  }
  const queue = queueRef.current;
  useEffect(() => {
    queue.listen(setItems, (item) => {
      if (item.image) setScan((prev) => addImage(prev, item.image!, item.roomOrdinal));
    });
    return () => {
      queue.start(); // leaving the page (another page of the app): staged photos go up, nothing is dropped
      queue.listen(() => undefined);
    };
  }, [queue, setScan]);

  // Back online: send what waited for the connection, and what an earlier visit kept in the outbox.
  useEffect(() => {
    const online = () => {
      queue.resumeOffline();
      void sendOutbox();
    };
    const sent = () => void reload(); // photos of an earlier visit reached the server: show them
    online();
    window.addEventListener("online", online);
    window.addEventListener(UPLOADS_SENT_EVENT, sent);
    return () => {
      window.removeEventListener("online", online);
      window.removeEventListener(UPLOADS_SENT_EVENT, sent);
    };
  }, [queue, reload]);

  // Leaving the app on a phone (another app, the home screen, locking it): staged photos start uploading.
  useEffect(() => {
    const hidden = () => {
      if (document.visibilityState === "hidden" && queue.staged() > 0) queue.start();
    };
    document.addEventListener("visibilitychange", hidden);
    return () => document.removeEventListener("visibilitychange", hidden);
  }, [queue]);

  // Announce finished uploads and rejections to screen readers.
  const doneCount = items.filter((i) => i.status === "done").length;
  const rejected = items.filter((i) => i.status === "rejected" && i.roomOrdinal === ordinal);
  useEffect(() => {
    if (rejected.length > 0) setAnnouncement(`${plural(rejected.length, "photo")} not accepted.`);
    else if (doneCount > 0) setAnnouncement(`${plural(doneCount, "photo")} uploaded.`);
  }, [doneCount, rejected.length]);

  // Ask before closing or reloading the tab while photos are staged or still being sent.
  const busy = items.some((i) => i.status === "queued" || i.status === "uploading");
  const unsent = items.some((i) => ["staged", "queued", "uploading"].includes(i.status));
  useEffect(() => {
    if (!unsent) return;
    const handler = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener("beforeunload", handler);
    return () => window.removeEventListener("beforeunload", handler);
  }, [unsent]);

  if (!room) return <Alert lines={["This scan has no rooms."]} />;

  const roomItems = items.filter((i) => i.roomOrdinal === room.ordinal && i.status !== "done");
  const uploadedHere = room.images;
  const staged = roomItems.filter((i) => i.status === "staged").length;
  const totalImages = rooms.reduce((n, r) => n + r.images.length, 0);
  const missing = rooms.filter((r) => r.images.length === 0);
  const isLast = index === rooms.length - 1;

  function goTo(nextOrdinal: number) {
    queue.start(room.ordinal); // photos chosen here go up while the person moves on
    setError(null);
    setParams({ room: String(nextOrdinal) });
  }

  function addFiles(list: FileList | File[] | null) {
    const files = Array.from(list ?? []);
    if (files.length === 0) return;
    // Checked here first (a file the server would refuse is shown refused, never sent); the rest is staged:
    // reviewed (and removable) before it is sent.
    void queue.addChecked(files, room.ordinal);
    setError(null);
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    addFiles(event.dataTransfer?.files ?? null);
  }

  async function finish() {
    setFinishing(true);
    setError(null);
    queue.start();
    await queue.idle();
    const failed = queue.items.filter((i) => i.status === "failed");
    if (failed.length > 0) {
      setError([`${plural(failed.length, "photo")} did not upload. Retry or remove them, then try again.`]);
      setFinishing(false);
      return;
    }
    const latest = await reload();
    const stillMissing = (latest ?? scan).rooms.filter((r) => r.images.length === 0);
    if (stillMissing.length > 0) {
      setError([`Add at least one photo to: ${stillMissing.map(roomName).join(", ")}.`]);
      setFinishing(false);
      return;
    }
    try {
      await api.processScan(scan.id);
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not start the analysis."]);
      setFinishing(false);
    }
  }

  return (
    <section className="capture">
      <div className="page-head">
        <div>
          <p className="eyebrow">{scan.house?.address?.trim() || "Untitled home"}</p>
          <PageTitle title={`Photograph ${roomName(room)}`}>
            {roomName(room)} <span className="muted small-title">· room {index + 1} of {rooms.length}</span>
          </PageTitle>
        </div>
      </div>

      <nav className="room-tabs" aria-label="Rooms">
        {rooms.map((r, i) => (
          <button
            key={r.id}
            type="button"
            className={`room-tab${r.ordinal === room.ordinal ? " active" : ""}${r.images.length > 0 ? " has-photos" : ""}`}
            aria-current={r.ordinal === room.ordinal ? "step" : undefined}
            onClick={() => goTo(r.ordinal)}
          >
            <span className="room-tab-num" aria-hidden="true">
              {r.images.length > 0 ? "✓" : i + 1}
            </span>
            <span>{roomName(r)}</span>
            <span className="room-tab-count">{plural(r.images.length, "photo")}</span>
          </button>
        ))}
      </nav>

      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p className="dropzone-text">
          Take photos of the walls, floor, ceiling, windows and fittings. Several angles help. JPEG, PNG, WebP or
          HEIC, up to {humanSize(MAX_PHOTO_BYTES)} each.
          <span className="desktop-only"> You can also drop image files here.</span>
        </p>
        <div className="dropzone-actions">
          <label className="btn btn-primary file-btn">
            <input
              className="visually-hidden"
              type="file"
              accept="image/*"
              capture="environment"
              data-testid="camera-input"
              onChange={(e) => {
                addFiles(e.target.files);
                e.target.value = "";
              }}
            />
            <CameraIcon /> Take photo
          </label>
          <label className="btn btn-secondary file-btn">
            <input
              className="visually-hidden"
              type="file"
              accept="image/*"
              multiple
              data-testid="file-input"
              onChange={(e) => {
                addFiles(e.target.files);
                e.target.value = "";
              }}
            />
            Choose photos
          </label>
        </div>
      </div>

      <div className="visually-hidden" aria-live="polite">
        {announcement}
      </div>

      {rejected.length > 0 && (
        <Alert
          title={`${plural(rejected.length, "photo")} not accepted`}
          lines={rejected.map((i) => `${i.name}: ${i.messages.join("; ") || "rejected by the server"}`)}
        />
      )}

      <h2 className="section-title">
        Photos of {roomName(room)} <span className="muted">({plural(uploadedHere.length, "uploaded photo")})</span>
      </h2>
      {uploadedHere.length === 0 && roomItems.length === 0 && (
        <p className="muted empty-photos">No photos of this room yet.</p>
      )}
      <ul className="thumbs" aria-label={`Photos of ${roomName(room)}`}>
        {uploadedHere.map((image, i) => (
          <li key={image.id} className="thumb" data-testid="thumb-uploaded">
            <img src={image.thumbnail_url} alt={`${roomName(room)}, photo ${i + 1}`} loading="lazy" />
            <span className="thumb-status ok">Uploaded</span>
          </li>
        ))}
        {roomItems.map((item) => (
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
                <span key={i} className={item.status === "duplicate" ? "thumb-note" : "thumb-error"}>
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

      {staged > 0 && (
        <div className="upload-bar">
          <span>{plural(staged, "photo")} ready. Review them, remove any you do not want, then upload.</span>
          <button type="button" className="btn btn-primary" onClick={() => queue.start(room.ordinal)} data-testid="upload-button">
            Upload {plural(staged, "photo")}
          </button>
        </div>
      )}

      {error && <Alert lines={error} />}

      <div className="capture-footer">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={index === 0}
          onClick={() => goTo(rooms[index - 1].ordinal)}
        >
          ← Previous room
        </button>
        {!isLast && (
          <button type="button" className="btn btn-primary" onClick={() => goTo(rooms[index + 1].ordinal)}>
            Next room →
          </button>
        )}
        {isLast && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void finish()}
            disabled={finishing || (totalImages === 0 && !items.some((i) => ["staged", "queued", "uploading"].includes(i.status)))}
          >
            {finishing ? (busy ? "Finishing uploads…" : "Starting analysis…") : "Finish and analyse"}
          </button>
        )}
      </div>
      <p className="muted small center">
        {plural(totalImages, "photo")} uploaded across {rooms.length - missing.length} of {plural(rooms.length, "room")}.
        {missing.length > 0 && ` Still to photograph: ${missing.map(roomName).join(", ")}.`} Uploaded photos are saved:
        you can leave and come back to this scan later.
      </p>
    </section>
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

function CameraIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1Z" />
      <circle cx="12" cy="14" r="4" />
    </svg>
  );
}
