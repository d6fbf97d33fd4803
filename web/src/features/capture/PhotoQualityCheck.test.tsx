import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QUALITY_SENTENCES, type QualityMeasures } from "../../lib/photoQuality";
import type { UploadItem } from "../../lib/uploadQueue";
import PhotoQualityNotices, { measureFile, usePhotoQuality, type MeasureFn } from "./PhotoQualityCheck";

function file(name: string, size = 10): File {
  return new File([new Uint8Array(size)], name, { type: "image/jpeg" });
}

function staged(f: File, key: string, roomOrdinal = 0): UploadItem {
  return { key, name: f.name, size: f.size, roomOrdinal, status: "staged", loaded: 0, total: f.size, messages: [] };
}

const fine: QualityMeasures = { width: 4000, height: 3000, brightness: 120, clipped: 0, sharpness: 900, dhash: "0f0f0f0f0f0f0f0f" };

function Harness({ measure, remove, onReady }: { measure: MeasureFn; remove: (key: string) => void; onReady: (check: ReturnType<typeof usePhotoQuality>["check"]) => void }) {
  const quality = usePhotoQuality(remove, measure);
  onReady(quality.check);
  return <PhotoQualityNotices notices={quality.notices} onKeep={quality.keep} onRetake={quality.retake} />;
}

function setup(byName: Record<string, QualityMeasures | null>) {
  const remove = vi.fn();
  let check: ReturnType<typeof usePhotoQuality>["check"] = async () => undefined;
  render(<Harness measure={async (f) => byName[(f as File).name] ?? null} remove={remove} onReady={(c) => (check = c)} />);
  return { remove, check: (items: UploadItem[], files: File[]) => act(() => check(items, files)) };
}

describe("the browser's photo check", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says why a blurred or dark photo may show too little, and Retake drops the staged photo", async () => {
    const blurred = file("blurred.jpg", 11);
    const dark = file("dark.jpg", 12);
    const sharp = file("sharp.jpg", 13);
    const { remove, check } = setup({
      "blurred.jpg": { ...fine, sharpness: 20, dhash: "ffff0000ffff0000" },
      "dark.jpg": { ...fine, brightness: 12, dhash: "00000000ffffffff" },
      "sharp.jpg": fine,
    });
    await check([staged(sharp, "k0"), staged(blurred, "k1"), staged(dark, "k2")], [sharp, blurred, dark]);

    const region = screen.getByTestId("photo-quality");
    expect(region.getAttribute("aria-live")).toBe("polite");
    expect(region.textContent).toContain(QUALITY_SENTENCES.blurred);
    expect(region.textContent).toContain(QUALITY_SENTENCES.too_dark);
    expect(region.textContent).not.toContain("sharp.jpg");

    fireEvent.click(screen.getByRole("button", { name: "Retake blurred.jpg" }));
    expect(remove).toHaveBeenCalledWith("k1");
    expect(region.textContent).not.toContain("blurred.jpg");
    fireEvent.click(screen.getByRole("button", { name: "Keep dark.jpg" }));
    expect(remove).toHaveBeenCalledTimes(1); // kept: still staged
    expect(region.textContent).toBe("");
  });

  it("flags a photo nearly the same as one kept in the same room, not one in another room", async () => {
    const first = file("first.jpg", 21);
    const again = file("again.jpg", 22);
    const elsewhere = file("elsewhere.jpg", 23);
    const { check } = setup({ "first.jpg": fine, "again.jpg": { ...fine, dhash: "0f0f0f0f0f0f0f0e" }, "elsewhere.jpg": fine });
    await check([staged(first, "a")], [first]);
    await check([staged(again, "b"), staged(elsewhere, "c", 1)], [again, elsewhere]);
    const region = screen.getByTestId("photo-quality");
    expect(region.textContent).toContain(QUALITY_SENTENCES.near_duplicate);
    expect(region.textContent).toContain("again.jpg");
    expect(region.textContent).not.toContain("elsewhere.jpg");
  });

  it("a photo the browser cannot measure has no flags (not called fine, just not checked)", async () => {
    const odd = file("odd.heic");
    const { check } = setup({});
    await check([staged(odd, "x")], [odd]);
    expect(screen.getByTestId("photo-quality").textContent).toBe("");
  });

  it("measures the photo drawn on a canvas with a short side of QUALITY_SIDE", async () => {
    const close = vi.fn();
    vi.stubGlobal("createImageBitmap", vi.fn(async () => ({ width: 1024, height: 768, close })));
    const drawn: number[][] = [];
    const getContext = vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      return {
        drawImage: (_b: unknown, _x: number, _y: number, w: number, h: number) => drawn.push([w, h]),
        getImageData: (_x: number, _y: number, w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(8) }),
      } as unknown as CanvasRenderingContext2D;
    } as never);
    try {
      const measures = await measureFile(file("night.jpg"));
      expect(drawn).toEqual([[341, 256]]);
      expect(measures).toMatchObject({ width: 1024, height: 768, brightness: 8 });
      expect(close).toHaveBeenCalled();
    } finally {
      getContext.mockRestore();
    }
  });
});
