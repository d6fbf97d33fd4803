/**
 * Is a photo worth analysing? The browser's copy of the server's check (src/housescan/scans/quality.py):
 * the same measures on the same pixels give the same numbers, and the same thresholds the same flags
 * (tests/unit/test_photo_quality.py feeds both the same pixel arrays).
 *
 * Give it the photo drawn on a canvas with a short side of about QUALITY_SIDE pixels (sharpness is read at
 * that scale) and the photo's own size:
 *
 *   const scale = QUALITY_SIDE / Math.min(bitmap.width, bitmap.height);
 *   canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
 *   ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
 *   const m = measurePixels(ctx.getImageData(0, 0, canvas.width, canvas.height), bitmap.width, bitmap.height);
 *   const flags = [...flagsOf(m), ...(isNearDuplicate(m.dhash, earlierHashesOfThisRoom) ? ["near_duplicate"] : [])];
 */

export const QUALITY_SIDE = 256;
export const BLUR_MAX_SHARPNESS = 130;
export const DARK_MAX_BRIGHTNESS = 50;
export const OVEREXPOSED_MIN_CLIPPED = 0.25;
export const SMALL_MIN_SHORT_SIDE = 160;
export const DUPLICATE_MAX_DISTANCE = 13;
const CLIPPED_LUMA = 250;

export type QualityFlag = "blurred" | "too_dark" | "overexposed" | "too_small" | "near_duplicate";

/** One plain sentence per flag (the server's wording). */
export const QUALITY_SENTENCES: Record<QualityFlag, string> = {
  blurred: "This photo looks blurred: details (cracks, damp, fittings) may not show. Retake it holding still.",
  too_dark: "This photo is too dark to see much. Turn on the lights or open the curtains and retake it.",
  overexposed: "This photo is washed out by light (a window or a flash). Retake it facing away from the light.",
  too_small: "This photo is very small: it shows too little detail to judge. Send the original photo.",
  near_duplicate: "This photo is almost the same as another photo of this room: it adds nothing new.",
};

export interface QualityMeasures {
  width: number;
  height: number;
  brightness: number;
  clipped: number;
  sharpness: number;
  dhash: string;
}

/** Pixels as a canvas gives them: RGBA, row by row. */
export interface Pixels {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** 1000 x luma summed over f x f blocks, f the whole factor that brings the short side near QUALITY_SIDE. */
function boxSums(px: Pixels): { sums: Float64Array; w: number; h: number; f: number } {
  const f = Math.max(1, Math.floor(Math.min(px.width, px.height) / QUALITY_SIDE));
  const w = Math.floor(px.width / f);
  const h = Math.floor(px.height / f);
  const sums = new Float64Array(w * h); // integers, exact below 2^53
  const d = px.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * px.width + x * f) * 4;
        for (let dx = 0; dx < f; dx++, i += 4) sum += 299 * d[i] + 587 * d[i + 1] + 114 * d[i + 2];
      }
      sums[y * w + x] = sum;
    }
  }
  return { sums, w, h, f };
}

/** 64 bits from a 9 x 8 grid of block sums: "this cell is darker than the next", compared exactly. */
function dhash(sums: Float64Array, w: number, h: number): string {
  const xs = Array.from({ length: 10 }, (_, i) => Math.floor((i * w) / 9));
  const ys = Array.from({ length: 9 }, (_, j) => Math.floor((j * h) / 8));
  let hex = "";
  for (let j = 0; j < 8; j++) {
    const y0 = ys[j];
    const y1 = Math.max(ys[j + 1], y0 + 1);
    const cells: [number, number][] = [];
    for (let i = 0; i < 9; i++) {
      const x0 = xs[i];
      const x1 = Math.max(xs[i + 1], x0 + 1);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += sums[y * w + x];
      cells.push([sum, (y1 - y0) * (x1 - x0)]);
    }
    let byte = 0;
    for (let i = 0; i < 8; i++) {
      const [a, na] = cells[i];
      const [b, nb] = cells[i + 1];
      byte = (byte << 1) | (a * nb < b * na ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}

/** The measures of an RGBA pixel array; `width`/`height` are the photo's own size when it is a smaller copy. */
export function measurePixels(px: Pixels, width?: number, height?: number): QualityMeasures {
  if (px.width < 3 || px.height < 3) throw new Error("expected at least 3 x 3 pixels");
  const { sums, w, h, f } = boxSums(px);
  const unit = 1000 * f * f;
  let total = 0;
  let clipped = 0;
  for (let i = 0; i < sums.length; i++) {
    total += sums[i];
    if (sums[i] >= CLIPPED_LUMA * unit) clipped++;
  }
  const luma = sums.map((s) => s / unit);
  let lapSum = 0;
  let lapSq = 0;
  const n = (w - 2) * (h - 2);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const c = y * w + x;
      const lap = 4 * luma[c] - luma[c - w] - luma[c + w] - luma[c - 1] - luma[c + 1];
      lapSum += lap;
      lapSq += lap * lap;
    }
  }
  const mean = lapSum / n;
  return {
    width: width ?? px.width,
    height: height ?? px.height,
    brightness: total / (unit * sums.length),
    clipped: clipped / sums.length,
    sharpness: lapSq / n - mean * mean,
    dhash: dhash(sums, w, h),
  };
}

/** The flags of one photo on its own (near-duplicates need the room's other photos: `isNearDuplicate`). */
export function flagsOf(m: QualityMeasures): QualityFlag[] {
  const out: QualityFlag[] = [];
  if (m.sharpness < BLUR_MAX_SHARPNESS && m.brightness >= DARK_MAX_BRIGHTNESS) out.push("blurred");
  if (m.brightness < DARK_MAX_BRIGHTNESS) out.push("too_dark");
  if (m.clipped >= OVEREXPOSED_MIN_CLIPPED) out.push("overexposed");
  if (Math.min(m.width, m.height) < SMALL_MIN_SHORT_SIDE) out.push("too_small");
  return out;
}

export function hashDistance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < 16; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    for (; x; x &= x - 1) bits++;
  }
  return bits;
}

export function isNearDuplicate(hash: string, others: readonly string[]): boolean {
  return others.some((other) => hashDistance(hash, other) <= DUPLICATE_MAX_DISTANCE);
}
