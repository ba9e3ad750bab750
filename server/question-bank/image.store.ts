import { createHash } from "node:crypto";
import mongoose, { type Connection } from "mongoose";
import { errors } from "../lib/errors.js";
import { sniffMediaType } from "../lib/media-type.js";

/** Largest question image accepted: exam screens show diagrams and signs, never photos at full size. */
export const IMAGE_MAX_BYTES = 512 * 1024;

/** The image's real type, or null when it is none of PNG/JPEG/GIF/WebP. */
export function sniffImageType(data: Buffer): string | null {
  // Image types candidates' browsers show everywhere, by their magic bytes (never the file name).
  const type = sniffMediaType(data);
  return type?.startsWith("image/") ? type : null;
}

/** Refuses images over the limit or of the wrong type (checked on content, not on the claimed type). */
export function checkImage(data: Buffer, maxBytes = IMAGE_MAX_BYTES): string {
  if (data.length === 0) throw errors.badRequest("image_empty", "图片为空");
  if (data.length > maxBytes) {
    throw errors.badRequest("image_too_large", `图片不能超过 ${Math.floor(maxBytes / 1024)} KB`, {
      size: data.length,
      limit: maxBytes,
    });
  }
  const mime = sniffImageType(data);
  if (!mime) throw errors.unprocessable("image_type_not_allowed", "图片须为 PNG、JPEG、GIF 或 WebP 格式");
  return mime;
}

/** SHA-256 of an image's bytes: how a re-import recognises an image it already stored. */
export function imageHash(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Question images in GridFS (bucket `question_images`), so they travel with the node's database backups. */
export function createImageStore(conn: Connection) {
  const bucket = () => {
    if (!conn.db) throw new Error("question image store: database connection is not open");
    return new mongoose.mongo.GridFSBucket(conn.db, { bucketName: "question_images" });
  };
  return {
    /** Checks and stores an image; returns its id. */
    async put(
      data: Buffer,
      filename: string,
      uploadedBy: string,
      maxBytes = IMAGE_MAX_BYTES,
    ): Promise<string> {
      const mime = checkImage(data, maxBytes);
      const upload = bucket().openUploadStream(filename.slice(0, 200) || "image", {
        metadata: { contentType: mime, uploadedBy, sha256: imageHash(data) },
      });
      await new Promise<void>((resolve, reject) => {
        upload.once("finish", () => resolve());
        upload.once("error", reject);
        upload.end(data);
      });
      return upload.id.toString();
    },
    /** The content hashes of stored images by id (images stored before hashes were kept have none). */
    async hashes(ids: string[]): Promise<Map<string, string>> {
      const oids = ids.filter((id) => /^[0-9a-f]{24}$/.test(id)).map((id) => new mongoose.mongo.ObjectId(id));
      if (!oids.length) return new Map();
      const files = await bucket()
        .find({ _id: { $in: oids } })
        .toArray();
      const out = new Map<string, string>();
      for (const f of files) {
        const sha = (f.metadata as { sha256?: unknown } | undefined)?.sha256;
        if (typeof sha === "string") out.set(f._id.toString(), sha);
      }
      return out;
    },
    /** Reads an image back; 404 when unknown. */
    async get(id: string): Promise<{ data: Buffer; contentType: string }> {
      if (!/^[0-9a-f]{24}$/.test(id)) throw errors.notFound("图片", "image_not_found");
      const oid = new mongoose.mongo.ObjectId(id);
      const [file] = await bucket().find({ _id: oid }).toArray();
      if (!file) throw errors.notFound("图片", "image_not_found");
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        bucket()
          .openDownloadStream(oid)
          .on("data", (c: Buffer) => chunks.push(c))
          .once("end", () => resolve())
          .once("error", reject);
      });
      const meta = (file.metadata ?? {}) as { contentType?: string };
      return { data: Buffer.concat(chunks), contentType: meta.contentType ?? "application/octet-stream" };
    },
  };
}
