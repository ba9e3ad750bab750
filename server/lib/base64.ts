import { AppError } from "./errors.js";

/**
 * The one decoder for base64 that arrives in a request (photos, images, documents, import files).
 * Node's `Buffer.from(text, "base64")` never refuses: it skips characters outside the alphabet,
 * takes base64url's `-` and `_`, ignores whitespace, missing padding and padding in the middle, and
 * drops non-zero trailing bits, so two different texts decode to one file and a damaged upload is
 * stored as something else. Only canonical base64 (RFC 4648 section 4: the standard alphabet, padded
 * to a multiple of four, trailing bits zero, nothing else) is accepted: it is exactly the text
 * that encoding the decoded bytes gives back, which is the check.
 */
export function decodeBase64(text: string, what: string): Buffer {
  const data = decodeBase64OrNull(text);
  if (!data) throw base64Refusal(what);
  return data;
}

/** `text` decoded when it is canonical base64 (see decodeBase64), else null: for callers that report rather than throw. */
export function decodeBase64OrNull(text: string): Buffer | null {
  const data = Buffer.from(text, "base64");
  return data.toString("base64") === text ? data : null;
}

/** The refusal of non-canonical base64: one code for every upload that takes it. */
export function base64Refusal(what: string): AppError {
  return new AppError(
    "invalid_base64",
    400,
    `${what}须为标准 base64 编码（仅 A-Z a-z 0-9 + /，以 = 补足 4 的倍数，不含空白）`,
  );
}
