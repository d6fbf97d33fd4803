import type { ReportImage } from "./reviewApi";

/** Photos to tick, as thumbnails: `chosen` are the ticked ones' ids. */
export function PhotoPicker({
  legend,
  photos,
  chosen,
  onChange,
  itemLabel,
}: {
  legend: string;
  photos: ReportImage[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  /** What a screen reader calls the n-th photo (from 1). */
  itemLabel: (n: number) => string;
}) {
  return (
    <fieldset className="photo-pick">
      <legend>{legend}</legend>
      {photos.map((photo, i) => (
        <label key={photo.id} className="photo-choice">
          <input
            type="checkbox"
            checked={chosen.includes(photo.id)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, photo.id] : chosen.filter((id) => id !== photo.id))}
            aria-label={itemLabel(i + 1)}
          />
          <img src={photo.thumbnail_url} alt="" />
        </label>
      ))}
    </fieldset>
  );
}

/** A button that opens the camera or the files and hands over the photos chosen. */
export function AddPhotosButton({
  text,
  label,
  busy,
  camera,
  onFiles,
}: {
  text: string;
  label: string;
  busy: boolean;
  /** Open the rear camera first on a phone (a close-up). */
  camera?: boolean;
  onFiles: (files: File[]) => void;
}) {
  return (
    <label className="btn btn-secondary btn-small add-photos">
      {text}
      <input
        type="file"
        accept="image/*"
        capture={camera ? "environment" : undefined}
        multiple
        className="visually-hidden"
        aria-label={label}
        disabled={busy}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = "";
          if (files.length) onFiles(files);
        }}
      />
    </label>
  );
}
