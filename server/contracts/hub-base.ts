import { z } from "zod";

/**
 * The primitives and bounds every hub interface shares: GB/T 2260 codes, MOT's UpdateTime, keys,
 * timestamps and identifiers as the hub writes them, and the published maxima of its answers.
 */

export const ProvinceCode = z.string().regex(/^[1-9]\d0000$/, "须为 GB/T 2260 省级代码，如 320000");
export const DivisionCode = z.string().regex(/^\d{6}$/, "须为 6 位 GB/T 2260 行政区划代码");
/** `YYYYMMDDhhmmss`, Beijing time, as MOT interface specs write `UpdateTime`. */
export const UpdateTime = z.string().regex(/^\d{14}$/, "须为 YYYYMMDDhhmmss");
export const Ed25519PublicKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "须为 base64url 编码的 32 字节 Ed25519 公钥");
/**
 * Bounds of the hub's answers. Other provinces' software parses these documents too, so every
 * array and string in them has a published maximum the hub keeps (it refuses to send more).
 */
/** An ISO 8601 timestamp as the hub writes it (`2026-03-01T08:00:00.000Z`), with room for offsets. */
export const Timestamp = z.string().min(1).max(40);
/** Hub-made identifiers (UUIDs). */
export const HubId = z.string().min(1).max(64);
/** The most records one lookup answers (a certificate number may match a few people's records). */
export const MAX_LOOKUP_MATCHES = 5;
/** The largest page of the change feed or the lookup-notice feed (`limit`). */
export const MAX_PAGE_SIZE = 1000;
/** The most reasons one rejected record is given (the first problems found). */
export const MAX_REJECT_REASONS = 20;
