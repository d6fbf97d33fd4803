// Marks on a finding's photo (docs/ARCHITECTURE.md §7), in fractions 0..1 of the photo: a box has its top-left
// corner at (x, y) and its size (w, h); a pin is the point (x, y); an arrow's tip is at (x, y) and its tail at
// (x + w, y + h). The server refuses anything outside the photo, so every change here stays inside it.
import type { Mark, MarkShape } from "../../lib/types";

export type { Mark, MarkShape };

export const MARK_SHAPES: readonly MarkShape[] = ["box", "pin", "arrow"];
export const SHAPE_TITLE: Record<MarkShape, string> = { box: "Box", pin: "Pin", arrow: "Arrow" };

const DEFAULT_SIZE: Record<MarkShape, number> = { box: 0.2, pin: 0, arrow: 0.15 };
const MIN_SIZE = 0.03;
/** A drag shorter than this is a tap. */
const TAP = 0.02;

const clamp = (value: number, low = 0, high = 1) => Math.min(high, Math.max(low, value));
const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The mark kept inside the photo: the point within 0..1, a box's or an arrow's extent as well. */
export function clampMark(mark: Mark): Mark {
  if (mark.shape === "pin") return { photo_id: mark.photo_id, shape: "pin", x: round(clamp(mark.x)), y: round(clamp(mark.y)) };
  const minimum = mark.shape === "box" ? MIN_SIZE : 0;
  const w = clamp(mark.w ?? DEFAULT_SIZE[mark.shape], minimum, 1);
  const h = clamp(mark.h ?? DEFAULT_SIZE[mark.shape], minimum, 1);
  const x = clamp(mark.x, 0, 1 - (mark.shape === "box" ? w : 0));
  const y = clamp(mark.y, 0, 1 - (mark.shape === "box" ? h : 0));
  // An arrow's tail stays inside the photo by shortening, its tip where it was put.
  return { ...mark, x: round(x), y: round(y), w: round(Math.min(w, 1 - x)), h: round(Math.min(h, 1 - y)) };
}

/**
 * The mark a tap or a drag from `start` to `end` places: a tap puts a box centred on the point, a pin on it, an
 * arrow's tip on it; a drag spans a box between the two points, or points an arrow from `start` to `end`.
 */
export function placeMark(photoId: string, shape: MarkShape, start: { x: number; y: number }, end = start): Mark {
  const dragged = Math.hypot(end.x - start.x, end.y - start.y) >= TAP;
  if (shape === "pin") return clampMark({ photo_id: photoId, shape, x: end.x, y: end.y });
  if (shape === "box") {
    if (!dragged) {
      const size = DEFAULT_SIZE.box;
      return clampMark({ photo_id: photoId, shape, x: start.x - size / 2, y: start.y - size / 2, w: size, h: size });
    }
    const x = Math.min(start.x, end.x);
    const y = Math.min(start.y, end.y);
    return clampMark({ photo_id: photoId, shape, x, y, w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y) });
  }
  // The tail lies below and right of the tip (w, h are never negative).
  const w = dragged ? Math.abs(start.x - end.x) : DEFAULT_SIZE.arrow;
  const h = dragged ? Math.abs(start.y - end.y) : DEFAULT_SIZE.arrow;
  const tip = dragged ? { x: Math.min(start.x, end.x), y: Math.min(start.y, end.y) } : end;
  return clampMark({ photo_id: photoId, shape, x: tip.x, y: tip.y, w, h });
}

export function moveMark(mark: Mark, dx: number, dy: number): Mark {
  return clampMark({ ...mark, x: mark.x + dx, y: mark.y + dy });
}

/** Larger (step > 0) or smaller; a pin has no size. */
export function resizeMark(mark: Mark, step: number): Mark {
  if (mark.shape === "pin") return mark;
  return clampMark({ ...mark, w: (mark.w ?? 0) + step, h: (mark.h ?? 0) + step });
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** "Box 1: 30% across, 40% down, 20% by 20% of the photo": what a screen reader says of a mark. */
export function markLabel(mark: Mark, index: number): string {
  const where = `${percent(mark.x)} across, ${percent(mark.y)} down`;
  const name = `${SHAPE_TITLE[mark.shape]} ${index + 1}`;
  if (mark.shape === "box") return `${name}: ${where}, ${percent(mark.w ?? 0)} by ${percent(mark.h ?? 0)} of the photo`;
  if (mark.shape === "arrow") return `${name} pointing at ${where}`;
  return `${name} at ${where}`;
}
