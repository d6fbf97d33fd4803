import type { ReportImage } from "./reviewApi";

/** A room's photo as the report names it: "Kitchen photo 2" (n counts from 1, in the room's order). */
export function roomPhotoName(roomName: string, n: number): string {
  return `${roomName} photo ${n}`;
}

/** Photos to tick, as thumbnails: `chosen` are the ticked ones' ids. */
export function PhotoPicker({
  legend,
  photos,
  chosen,
  onChange,
  photoName,
}: {
  legend: string;
  photos: ReportImage[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  /** Which photo it is, for its thumbnail's text and so its checkbox's name ("Kitchen photo 2"); n counts from 1. */
  photoName: (photo: ReportImage, n: number) => string;
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
          />
          <img src={photo.thumbnail_url} alt={photoName(photo, i + 1)} />
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
