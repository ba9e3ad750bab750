import { MAX_PHOTO_BYTES, type CandidateDto, type PhotoInput } from "@contracts/registration.js";

/** A photo read from a picked file: what the server takes, and the data: URL the page previews. */
export type PickedPhoto = PhotoInput & { url: string };

/**
 * Why a picked file cannot be a registration photo, or null: the server's own checks (type, size;
 * decodePhoto) said before anything is sent. The content is checked by the browser's preview
 * (an undecodable image) and by the server (its magic numbers).
 */
export function photoFileProblem(file: { type: string; size: number }): string | null {
  if (file.type !== "image/jpeg" && file.type !== "image/png") return "仅支持 JPEG 或 PNG 照片";
  if (file.size > MAX_PHOTO_BYTES) return `照片不能超过 ${MAX_PHOTO_BYTES / 1024} KB`;
  return null;
}

/**
 * 更换照片's confirmation: the proctor compares the person with this photo at check-in, and the
 * earlier one is kept (a certificate prints the photo recorded at issue).
 */
export function replacePhotoNote(c: Pick<CandidateDto, "name" | "photoId">): string {
  return c.photoId
    ? `确认更换 ${c.name} 的照片？入场核验将使用新照片；原照片保留在档案中，已发证书仍使用发证时的照片。`
    : `确认为 ${c.name} 登记照片？入场核验将使用此照片。`;
}
