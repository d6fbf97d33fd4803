import { describe, expect, it } from "vitest";
import { flagsOf, hashDistance, isNearDuplicate, measurePixels, type Pixels } from "./photoQuality";

function image(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

const checker = (x: number, y: number): [number, number, number] =>
  ((x >> 3) + (y >> 3)) % 2 ? [220, 210, 200] : [40, 50, 60];

describe("photo quality", () => {
  it("finds nothing wrong with a sharp, well-lit photo of a fair size", () => {
    const m = measurePixels(image(320, 256, checker), 4032, 3024);
    expect(m.sharpness).toBeGreaterThan(1000);
    expect(flagsOf(m)).toEqual([]);
  });

  it("flags a flat photo as blurred, a black one as too dark (not blurred), a white one as over-exposed", () => {
    const soft = (x: number): [number, number, number] => [100 + x / 8, 110 + x / 8, 120 + x / 8];
    expect(flagsOf(measurePixels(image(300, 256, soft), 4000, 3000))).toEqual(["blurred"]);
    expect(flagsOf(measurePixels(image(300, 256, () => [10, 12, 8]), 4000, 3000))).toEqual(["too_dark"]);
    expect(flagsOf(measurePixels(image(300, 256, (x, y) => (checker(x, y)[0] > 100 ? [255, 255, 255] : [252, 252, 252])), 4000, 3000))).toEqual([
      "blurred",
      "overexposed",
    ]);
  });

  it("flags a photo whose own size is small", () => {
    expect(flagsOf(measurePixels(image(180, 150, checker)))).toEqual(["too_small"]);
  });

  it("box-sums a large photo to the measuring scale", () => {
    const small = measurePixels(image(320, 256, checker));
    const big = measurePixels(image(1280, 1024, (x, y) => checker(x >> 2, y >> 2)));
    expect(big.width).toBe(1280);
    expect({ ...big, width: 320, height: 256 }).toEqual(small);
  });

  it("knows a near-duplicate by its hash", () => {
    const a = measurePixels(image(320, 256, checker));
    const shifted = measurePixels(image(320, 256, (x, y) => checker(x + 1, y)));
    const other = measurePixels(image(320, 256, (x, y) => [x % 256, y % 256, (x * y) % 256]));
    expect(hashDistance(a.dhash, a.dhash)).toBe(0);
    expect(isNearDuplicate(shifted.dhash, [a.dhash])).toBe(true);
    expect(isNearDuplicate(other.dhash, [a.dhash])).toBe(false);
  });
});

// tests/unit/test_photo_quality.py writes pixel arrays (raw RGBA) here and reads back what this file measures:
// the browser's check and the server's must agree on the same pixels. Vitest runs in node, whose types the web
// app leaves out: the two node modules used are typed here by what is used of them.
declare const process: { env: Record<string, string | undefined> };
interface NodeFs {
  readdirSync(dir: string): string[];
  readFileSync(path: string, encoding?: "utf8"): string & Uint8Array;
  writeFileSync(path: string, data: string): void;
}
const fixtures = process.env.HOUSESCAN_QUALITY_FIXTURES;
describe.skipIf(!fixtures)("agreement with the server's check", () => {
  it("measures each fixture the server wrote", async () => {
    const fs = (await import(/* @vite-ignore */ "node:fs" as string)) as NodeFs;
    const dir = fixtures as string;
    const out: Record<string, unknown> = {};
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith("_"))) {
      const meta = JSON.parse(fs.readFileSync(`${dir}/${name}`, "utf8")) as {
        width: number;
        height: number;
        own: [number, number];
      };
      const data = new Uint8ClampedArray(fs.readFileSync(`${dir}/${name.replace(/\.json$/, ".rgba")}`));
      const m = measurePixels({ width: meta.width, height: meta.height, data }, meta.own[0], meta.own[1]);
      out[name] = { ...m, flags: flagsOf(m) };
    }
    fs.writeFileSync(`${dir}/_browser.json`, JSON.stringify(out));
    expect(Object.keys(out).length).toBeGreaterThan(0);
  });
});
