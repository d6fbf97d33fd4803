// What the server will refuse, checked in the browser before a byte is sent, and said the way the server
// says it (src/housescan/scans/images.py): "31.6 MB — the limit is 25 MB", "this is not a photo (...)".

/** The server's default HOUSESCAN_MAX_IMAGE_BYTES. */
export const MAX_PHOTO_BYTES = 25 * 1024 * 1024;
export const NOT_A_PHOTO = "this is not a photo (JPEG, PNG, WebP or HEIC)";

const MB = 1024 * 1024;

/** "31.6 MB", "25 MB", "19.5 kB" (MB of 1,048,576 bytes, as phones count a photo's size). */
export function humanSize(bytes: number): string {
  const strip = (text: string) => text.replace(/\.0$/, "");
  if (bytes < MB) return `${strip((bytes / 1024).toFixed(1))} kB`;
  return `${strip((bytes / MB).toFixed(1))} MB`;
}

export function tooLargeReason(size: number, limit: number = MAX_PHOTO_BYTES): string {
  let shown = humanSize(size);
  const max = humanSize(limit);
  if (shown === max) shown = `just over ${max}`;
  return `${shown} — the limit is ${max}`;
}

/** The photo format its first bytes show, or null: the name and the browser's MIME type are not trusted. */
export function sniffFormat(head: Uint8Array): "jpeg" | "png" | "webp" | "heic" | null {
  const at = (offset: number, text: string) =>
    [...text].every((char, i) => head[offset + i] === char.charCodeAt(0));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "jpeg";
  if (head[0] === 0x89 && at(1, "PNG")) return "png";
  if (at(0, "RIFF") && at(8, "WEBP")) return "webp";
  if (at(4, "ftyp") && ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif"].some((brand) => at(8, brand))) {
    return "heic";
  }
  return null;
}

async function readHead(file: Blob, bytes = 16): Promise<Uint8Array> {
  const slice = file.slice(0, bytes);
  if (typeof slice.arrayBuffer === "function") return new Uint8Array(await slice.arrayBuffer());
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(slice);
  });
}

/** Why the server would refuse this file, in the words it would use; null when it looks like a photo. */
export async function photoProblem(file: Blob, limit: number = MAX_PHOTO_BYTES): Promise<string | null> {
  if (file.size === 0) return "the file is empty";
  let format: ReturnType<typeof sniffFormat>;
  try {
    format = sniffFormat(await readHead(file));
  } catch {
    return "the file could not be read";
  }
  if (format === null) return NOT_A_PHOTO;
  if (file.size > limit) return tooLargeReason(file.size, limit);
  return null;
}
