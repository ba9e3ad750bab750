import type { ErrorBody } from "@contracts/errors.js";

/** A failed API call: the server's stable error code and its zh-CN message. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.code = body.code;
    this.status = status;
    this.details = body.details;
  }
}

/** Whether a parsed response body is the server's `{ error: { code, message } }` shape (a refusal, not data). */
export function isErrorBody(value: unknown): value is { error: ErrorBody } {
  if (!value || typeof value !== "object" || !("error" in value)) return false;
  const e = (value as { error: unknown }).error;
  return (
    !!e &&
    typeof e === "object" &&
    typeof (e as ErrorBody).code === "string" &&
    typeof (e as ErrorBody).message === "string"
  );
}
