import { z } from "zod";
import { visibleName } from "./validation.js";

/**
 * The documents of an enforcement notice (抄告文书: the penalty decision, the record of the
 * hearing): uploaded by the reporting officer, named in the notice by their SHA-256 digest (so the
 * signed case body fixes their content), carried to the hub and fetched by the home province, each
 * leg a signed inter-node message like every other. Only PDF, JPEG and PNG, told by their bytes.
 */

/** One document at most this large: its base64 travels in a JSON body within the 2 MB body limit. */
export const MAX_DOCUMENT_BYTES = 1_048_576;
/** Documents one notice may carry. */
export const MAX_NOTICE_DOCUMENTS = 10;

export const DocumentMediaType = z.enum(["application/pdf", "image/jpeg", "image/png"]);
export type DocumentMediaType = z.infer<typeof DocumentMediaType>;

/** Hex in either case, kept in lower case (as digests are computed here): other software may send upper. */
export const Sha256Hex = z
  .string()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, "须为 64 位十六进制 SHA-256");
const Base64 = z
  .string()
  .min(4)
  .max(Math.ceil(MAX_DOCUMENT_BYTES / 3) * 4 + 4)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, "须为 base64 编码");
/** A document's name, as the receiving province's officers read it. */
const Name = visibleName(1, 100);

/** A document as the notice names it: the digest fixes its content. */
export const PenaltyDocument = z
  .object({
    name: Name,
    mediaType: DocumentMediaType,
    sha256: Sha256Hex,
    bytes: z.int().min(1).max(MAX_DOCUMENT_BYTES),
  })
  .strict();
export type PenaltyDocument = z.infer<typeof PenaltyDocument>;

/** The officer's upload (POST /api/exchange/documents). */
export const DocumentUploadBody = z.object({ name: Name, dataBase64: Base64 }).strict();

/**
 * A document's content between nodes: sent by the reporting province to the hub
 * (POST /exchange/cases/{caseId}/documents) and answered to either province of the case
 * (GET /exchange/cases/{caseId}/documents/{sha256}). The digest and the media type must match
 * both the bytes and the notice's entry.
 */
export const DocumentContent = z
  .object({
    sha256: Sha256Hex,
    mediaType: DocumentMediaType,
    name: Name,
    dataBase64: Base64,
  })
  .strict();
export type DocumentContent = z.infer<typeof DocumentContent>;

export const DocumentParams = z
  .object({ caseId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/), sha256: Sha256Hex })
  .strict();
