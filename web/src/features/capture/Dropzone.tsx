import { useState, type DragEvent } from "react";
import { MAX_PHOTO_BYTES, humanSize } from "../../lib/photoCheck";

/** Where a room's photos come from: the camera, the files, or (on a desktop) dropped image files. */
export default function Dropzone({ onFiles }: { onFiles: (files: FileList | File[] | null) => void }) {
  const [dragging, setDragging] = useState(false);

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    onFiles(event.dataTransfer?.files ?? null);
  }

  return (
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
        Take photos of the walls, floor, ceiling, windows and fittings. Several angles help. JPEG, PNG, WebP or HEIC, up
        to {humanSize(MAX_PHOTO_BYTES)} each.
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
              onFiles(e.target.files);
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
              onFiles(e.target.files);
              e.target.value = "";
            }}
          />
          Choose photos
        </label>
      </div>
    </div>
  );
}

function CameraIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1Z" />
      <circle cx="12" cy="14" r="4" />
    </svg>
  );
}
