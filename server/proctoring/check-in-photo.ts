import { errors } from "../lib/errors.js";
import { sniffMediaType } from "../lib/media-type.js";
import { decodeBase64 } from "../lib/base64.js";

/** Decodes a `data:image/...;base64,` on-site photo (size already bounded by the payload schema). */
export function decodePhoto(dataUrl: string): { contentType: string; data: Buffer } {
  const m = /^data:(image\/(?:jpeg|png));base64,(.+)$/.exec(dataUrl);
  if (!m?.[1] || !m[2]) throw errors.badRequest("invalid_photo", "现场照片格式不正确");
  const data = decodeBase64(m[2], "现场照片");
  if (sniffMediaType(data) !== m[1])
    throw errors.badRequest("invalid_photo", "现场照片格式不正确");
  return { contentType: m[1], data };
}
