import { useCallback, useRef, useState } from "react";
import {
  QUALITY_SENTENCES,
  QUALITY_SIDE,
  flagsOf,
  isNearDuplicate,
  measurePixels,
  type QualityFlag,
  type QualityMeasures,
} from "../../lib/photoQuality";
import type { UploadItem } from "../../lib/uploadQueue";

/** A staged photo the browser found may show too little (issue 25 part 4), waiting for Retake or Keep. */
export interface QualityNotice {
  key: string;
  name: string;
  roomOrdinal: number;
  flags: QualityFlag[];
  hash: string;
}

export type MeasureFn = (file: Blob) => Promise<QualityMeasures | null>;

/** The photo drawn with a short side of QUALITY_SIDE and measured as the server does; null when the browser
 * cannot draw it (then it simply has no flags: the server measures it later). */
export async function measureFile(file: Blob): Promise<QualityMeasures | null> {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, QUALITY_SIDE / Math.min(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    if (!context) return null;
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const measures = measurePixels(context.getImageData(0, 0, canvas.width, canvas.height), bitmap.width, bitmap.height);
    bitmap.close?.();
    return measures;
  } catch {
    return null;
  }
}

/** Checks each staged photo in the browser; the flagged ones wait (staged, never dropped on their own) for
 * the person to pick Retake (drops it) or Keep. Near-duplicates: against the photos kept in the same room. */
export function usePhotoQuality(remove: (key: string) => void, measure: MeasureFn = measureFile) {
  const [notices, setNotices] = useState<QualityNotice[]>([]);
  const kept = useRef(new Map<number, string[]>());

  const keepHash = (roomOrdinal: number, hash: string) => {
    kept.current.set(roomOrdinal, [...(kept.current.get(roomOrdinal) ?? []), hash]);
  };

  const check = useCallback(
    async (items: readonly UploadItem[], files: readonly Blob[]) => {
      const left = [...files]; // each staged item's own file: same name and size (refused files are not staged)
      for (const item of items) {
        if (item.status !== "staged") continue;
        const at = left.findIndex((f) => ((f as File).name || "photo.jpg") === item.name && f.size === item.size);
        if (at < 0) continue;
        const measures = await measure(left.splice(at, 1)[0]);
        if (!measures) continue;
        const flags = flagsOf(measures);
        if (isNearDuplicate(measures.dhash, kept.current.get(item.roomOrdinal) ?? [])) flags.push("near_duplicate");
        if (flags.length === 0) keepHash(item.roomOrdinal, measures.dhash);
        else setNotices((prev) => [...prev, { key: item.key, name: item.name, roomOrdinal: item.roomOrdinal, flags, hash: measures.dhash }]);
      }
    },
    [measure],
  );

  const decide = (key: string, keep: boolean) => {
    const notice = notices.find((n) => n.key === key);
    if (notice && keep) keepHash(notice.roomOrdinal, notice.hash);
    setNotices((prev) => prev.filter((n) => n.key !== key));
    if (!keep) remove(key);
  };

  return { notices, check, keep: (key: string) => decide(key, true), retake: (key: string) => decide(key, false) };
}

interface Props {
  notices: readonly QualityNotice[];
  onKeep: (key: string) => void;
  onRetake: (key: string) => void;
}

/** The flagged photos of this room, in plain sentences; read out as they appear. */
export default function PhotoQualityNotices({ notices, onKeep, onRetake }: Props) {
  return (
    <div aria-live="polite" className="quality-notices" data-testid="photo-quality">
      {notices.map((notice) => (
        <div key={notice.key} className="alert quality-notice" role="group" aria-label={`Photo check: ${notice.name}`}>
          <p>
            <strong>{notice.name}</strong>
          </p>
          <ul>
            {notice.flags.map((flag) => (
              <li key={flag}>{QUALITY_SENTENCES[flag]}</li>
            ))}
          </ul>
          <div className="quality-actions">
            <button type="button" className="btn" onClick={() => onRetake(notice.key)} aria-label={`Retake ${notice.name}`}>
              Retake
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => onKeep(notice.key)} aria-label={`Keep ${notice.name}`}>
              Keep
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
