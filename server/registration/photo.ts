import { MAX_PHOTO_BYTES } from "../contracts/registration.js";
import { errors } from "../lib/errors.js";
import { sniffMediaType } from "../lib/media-type.js";
import { decodeBase64 } from "../lib/base64.js";


/**
 * Decodes a base64 photo and checks that the bytes are what the declared type says (magic
 * numbers), and its size; a mislabelled or oversized upload is refused with a stable code.
 */
export function decodePhoto(mimeType: "image/jpeg" | "image/png", dataBase64: string): Buffer {
  const data = decodeBase64(dataBase64, "照片");
  if (data.length === 0) throw errors.badRequest("photo_invalid", "照片为空");
  if (data.length > MAX_PHOTO_BYTES)
    throw errors.badRequest("photo_too_large", `照片不能超过 ${MAX_PHOTO_BYTES / 1024} KB`);
  if (sniffMediaType(data) !== mimeType) {
    throw errors.badRequest("photo_type_mismatch", "照片内容与声明的格式不符（仅支持 JPEG/PNG）");
  }
  return data;
}
