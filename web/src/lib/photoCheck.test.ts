import { describe, expect, it } from "vitest";
import { humanSize, NOT_A_PHOTO, photoProblem, sniffFormat, tooLargeReason } from "./photoCheck";

const MB = 1024 * 1024;
const JPEG_HEAD = [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1];
const bytes = (...values: number[]) => new Uint8Array(values);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** A Blob whose size is what it claims without holding the bytes (31.6 MB of zeroes after a JPEG head). */
function sized(head: number[], size: number, name = "IMG_0001.jpg", type = "image/jpeg"): File {
  const file = new File([new Uint8Array(head)], name, { type });
  Object.defineProperty(file, "size", { value: size });
  return file;
}

describe("photo checks before upload", () => {
  it("speaks in the units a person reads", () => {
    expect(humanSize(25 * MB)).toBe("25 MB");
    expect(humanSize(Math.round(31.6 * MB))).toBe("31.6 MB");
    expect(humanSize(20_000)).toBe("19.5 kB");
    expect(tooLargeReason(Math.round(31.6 * MB))).toBe("31.6 MB — the limit is 25 MB");
    expect(tooLargeReason(25 * MB + 1)).toBe("just over 25 MB — the limit is 25 MB");
  });

  it("knows a photo by its first bytes, not its name", () => {
    expect(sniffFormat(bytes(...JPEG_HEAD))).toBe("jpeg");
    expect(sniffFormat(bytes(0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a))).toBe("png");
    expect(sniffFormat(bytes(...ascii("RIFF"), 1, 2, 3, 4, ...ascii("WEBPVP8 ")))).toBe("webp");
    expect(sniffFormat(bytes(0, 0, 0, 24, ...ascii("ftypheic"), 0, 0))).toBe("heic");
    expect(sniffFormat(bytes(...ascii("hello, this is text")))).toBeNull();
  });

  it("refuses a text file renamed .jpg and a 31.6 MB photo, with the server's words", async () => {
    const text = new File(["just some notes, not a photo"], "notes.jpg", { type: "image/jpeg" });
    expect(await photoProblem(text)).toBe(NOT_A_PHOTO);
    expect(NOT_A_PHOTO).toBe("this is not a photo (JPEG, PNG, WebP or HEIC)");
    expect(await photoProblem(sized(JPEG_HEAD, Math.round(31.6 * MB)))).toBe("31.6 MB — the limit is 25 MB");
    expect(await photoProblem(sized(JPEG_HEAD, 3 * MB))).toBeNull();
    expect(await photoProblem(new File([], "empty.jpg"))).toBe("the file is empty");
  });
});
