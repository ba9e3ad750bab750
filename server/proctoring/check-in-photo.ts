import { errors } from "../lib/errors.js";

/** Decodes a `data:image/...;base64,` on-site photo (size already bounded by the payload schema). */
export function decodePhoto(dataUrl: string): { contentType: string; data: Buffer } {
  const m = /^data:(image\/(?:jpeg|png));base64,(.+)$/.exec(dataUrl);
  if (!m?.[1] || !m[2]) throw errors.badRequest("invalid_photo", "现场照片格式不正确");
  const data = Buffer.from(m[2], "base64");
  const jpeg = data[0] === 0xff && data[1] === 0xd8;
  const png = data.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  if ((m[1] === "image/jpeg" && !jpeg) || (m[1] === "image/png" && !png))
    throw errors.badRequest("invalid_photo", "现场照片格式不正确");
  return { contentType: m[1], data };
}
