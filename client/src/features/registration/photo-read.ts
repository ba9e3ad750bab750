import type { PickedPhoto } from "./photo-file.js";

/**
 * Reads a file `photoFileProblem` accepted, as base64 (no data: prefix) and a preview URL; a
 * failed read rejects (照片读取失败) rather than leaving the form without a word. Its own file:
 * FileReader is the browser's, and photo-file.ts is also loaded by the unit tests.
 */
export function readPhoto(file: File): Promise<PickedPhoto> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      // readAsDataURL always yields a string; anything else means the read failed.
      if (typeof reader.result !== "string") return reject(new Error("照片读取失败"));
      const url = reader.result;
      resolve({
        mimeType: file.type as PickedPhoto["mimeType"],
        dataBase64: url.slice(url.indexOf(",") + 1),
        url,
      });
    };
    reader.onerror = () => reject(new Error("照片读取失败"));
    reader.readAsDataURL(file);
  });
}
