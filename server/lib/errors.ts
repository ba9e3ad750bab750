import { ZodError } from "zod";
import type { ErrorBody } from "../contracts/errors.js";
import { fieldLabel, useChineseValidationMessages, type ValidationIssue } from "../contracts/validation.js";

// Every zod message the server sends is Chinese; set here because every parse ends in this module.
useChineseValidationMessages();

/**
 * The one error type of the server. Services throw it; the HTTP error middleware and the
 * socket ack wrapper turn it into the same `ErrorBody`. `code` is stable and snake_case.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Shorthands for the common kinds, so call sites read as intent. */
export const errors = {
  badRequest: (code: string, message: string, details?: unknown) => new AppError(code, 400, message, details),
  unauthorized: (message = "请先登录", code = "unauthenticated") => new AppError(code, 401, message),
  forbidden: (message = "无权执行此操作", code = "forbidden") => new AppError(code, 403, message),
  notFound: (what: string, code = "not_found") => new AppError(code, 404, `${what}不存在`),
  conflict: (code: string, message: string, details?: unknown) => new AppError(code, 409, message, details),
  unprocessable: (code: string, message: string, details?: unknown) =>
    new AppError(code, 422, message, details),
  tooMany: (message: string, details?: unknown) => new AppError("too_many_requests", 429, message, details),
};

interface MongoLikeError {
  code?: unknown;
  keyValue?: unknown;
  keyPattern?: unknown;
  name?: unknown;
  writeErrors?: unknown;
}

/**
 * The fields of the unique index a duplicate-key refusal (E11000) names, or null when `err` is no
 * such refusal. A single write carries `keyPattern`; an insertMany or bulkWrite refusal
 * (MongoBulkWriteError) does not: the driver copies only code, errmsg and the operation into each
 * write error, so every bulk duplicate read as one on no named field. There the index comes from the
 * server's message (`… index: idNumber_1 dup key: …`), whose default name lists each field and its
 * direction.
 */
export function duplicateKeyFields(err: unknown): string[] | null {
  const e = (err ?? {}) as MongoLikeError & { errmsg?: unknown; message?: unknown };
  if (e.code !== 11000) return null;
  if (e.keyPattern && typeof e.keyPattern === "object") return Object.keys(e.keyPattern);
  const writeErrors = Array.isArray(e.writeErrors) ? (e.writeErrors as unknown[]) : [];
  const messages = [
    e.errmsg,
    e.message,
    ...writeErrors.map((w) => {
      const entry = (w ?? {}) as { errmsg?: unknown; err?: { errmsg?: unknown } };
      return entry.errmsg ?? entry.err?.errmsg;
    }),
  ];
  const fields = messages.flatMap((m) => {
    const name = typeof m === "string" ? / index: (\S+) dup key/.exec(m)?.[1] : undefined;
    // `a_1_b_-1` → a, b (a field may hold underscores: only a direction token ends it).
    return name ? name.split(/_(?:-?1|hashed|text|2d|2dsphere)(?:_|$)/).filter(Boolean) : [];
  });
  return [...new Set(fields)];
}

/**
 * Maps anything thrown to an AppError: zod → 400 `validation_failed`, duplicate keys → 409
 * `duplicate`, mongoose cast/validation errors → 400, and everything else → an opaque 500
 * whose cause the caller must log (see `isUnexpected`).
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return validationError(err);
  const e = (err ?? {}) as MongoLikeError;
  const fields = duplicateKeyFields(err);
  if (fields) return new AppError("duplicate", 409, "记录已存在", { fields });
  if (e.name === "CastError") return new AppError("invalid_id", 400, "标识格式不正确");
  if (e.name === "ValidationError") return new AppError("validation_failed", 400, "输入数据不合法");
  return new AppError("internal_error", 500, "服务器内部错误", undefined, { cause: err });
}

/**
 * A zod failure as 400 `validation_failed`: the message names the first field and what is wrong
 * with it (one line a person can act on); `details` lists every field for forms to show in place.
 */
function validationError(err: ZodError): AppError {
  // zod quotes what was sent (an unknown key's name, for one): an answer must not grow with the
  // request, so each text is cut and at most MAX_ISSUES are listed (ErrorBody's published bounds).
  const issues: ValidationIssue[] = err.issues.slice(0, MAX_ISSUES).map((i) => ({
    path: cut(i.path.map(String).join("."), 200),
    field: cut(fieldLabel(i.path), 100),
    message: cut(i.message, 300),
    code: i.code,
  }));
  const first = issues[0];
  const more = err.issues.length > 1 ? `（另有 ${err.issues.length - 1} 处问题）` : "";
  const message = first ? `${first.field}：${first.message}${more}` : "输入数据不合法";
  return new AppError("validation_failed", 400, message, issues);
}

const MAX_ISSUES = 20;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** True when the error was not an expected AppError and so must be logged with its cause. */
export function isUnexpected(err: AppError): boolean {
  return err.status >= 500;
}

/** What the MongoDB driver says when an operation meets a client or server already closed. */
const CLOSED_NAMES = new Set(["MongoTopologyClosedError", "MongoNotConnectedError", "MongoServerClosedError", "MongoClientClosedError"]);
const CLOSED_MESSAGE = /client was closed|Server is closed|Topology is closed|Client must be connected/;

/**
 * Whether `err` (or what caused it) is an operation that met the node's own database connection
 * already closed: work that outlived the node's shutdown, which is abandoned, not a fault to
 * report as an unhandled error.
 */
export function isDatabaseClosed(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (CLOSED_NAMES.has(e.name) || CLOSED_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * The seconds a 429 or 503 tells the client to wait (`details.retryAfterSeconds`), for the
 * `Retry-After` header (RFC 9110 §10.2.3: delta-seconds, other statuses do not define it). Only a
 * whole positive number is written into a header; anything else is left to the body alone. The
 * inter-node gate writes its signed answers' header by the same rule.
 */
export function retryAfterSecondsOf(status: number, details: unknown): number | null {
  if (status !== 429 && status !== 503) return null;
  if (!details || typeof details !== "object" || Array.isArray(details)) return null;
  return wholePositiveSeconds((details as { retryAfterSeconds?: unknown }).retryAfterSeconds);
}

/** `value` when it is a whole positive number (of seconds), else null. */
export function wholePositiveSeconds(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : null;
}
