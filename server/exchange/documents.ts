import { createHash } from "node:crypto";
import {
  MAX_DOCUMENT_BYTES,
  type DocumentContent,
  type DocumentMediaType,
  type PenaltyDocument,
} from "../contracts/exchange-documents.js";
import { AppError, errors } from "../lib/errors.js";
import { sniffMediaType } from "../lib/media-type.js";
import { decodeBase64 } from "../lib/base64.js";

/** A notice document's type by its content (PDF, JPEG or PNG), or null. */
function documentMediaType(data: Buffer): DocumentMediaType | null {
  const type = sniffMediaType(data);
  return type === "application/pdf" || type === "image/jpeg" || type === "image/png" ? type : null;
}

export const sha256Hex = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * The bytes of an uploaded or received document, checked: base64 that decodes to what was sent
 * (no stray characters dropped), within the size bound, PDF/JPEG/PNG by content. Throws the
 * refusal an officer or a peer gets.
 */
export function readDocument(dataBase64: string): {
  data: Buffer;
  mediaType: DocumentMediaType;
  sha256: string;
} {
  const data = decodeBase64(dataBase64, "文书内容");
  if (data.length === 0) throw errors.badRequest("document_empty", "文书内容为空");
  if (data.length > MAX_DOCUMENT_BYTES)
    throw new AppError(
      "document_too_large",
      413,
      `文书不得超过 ${Math.floor(MAX_DOCUMENT_BYTES / 1024)} KB`,
      { max: MAX_DOCUMENT_BYTES },
    );
  const mediaType = documentMediaType(data);
  if (!mediaType)
    throw new AppError(
      "document_type_unsupported",
      415,
      "只接受 PDF、JPEG 或 PNG 文书（按文件内容判断，与文件名无关）",
    );
  return { data, mediaType, sha256: sha256Hex(data) };
}

/**
 * A document's content between nodes, checked against the notice's entry for it: same digest,
 * size and media type as the (signed) case body names, and bytes that hash to that digest.
 */
export function checkContent(content: DocumentContent, entry: PenaltyDocument | undefined): Buffer {
  if (!entry) throw errors.notFound("该事项的文书", "document_not_in_case");
  const read = readDocument(content.dataBase64);
  if (read.sha256 !== entry.sha256 || content.sha256 !== entry.sha256)
    throw errors.unprocessable("document_digest_mismatch", "文书内容与抄告所列的摘要不符");
  if (
    read.mediaType !== entry.mediaType ||
    content.mediaType !== entry.mediaType ||
    read.data.length !== entry.bytes
  )
    throw errors.unprocessable("document_digest_mismatch", "文书的类型或大小与抄告所列不符");
  return read.data;
}

/** The notice's entry for `sha256` (from its details), if it names one. */
export function documentEntry(details: unknown, sha256: string): PenaltyDocument | undefined {
  const docs = (details as { documents?: PenaltyDocument[] } | null)?.documents ?? [];
  return docs.find((d) => d.sha256 === sha256);
}
