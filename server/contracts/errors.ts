import { z } from "zod";

/** The one error body every REST response and every failed socket ack carries. */
export const ErrorBody = z.object({
  code: z.string().max(64),
  /** One Chinese line; a validation message names the first field (see lib/errors). */
  message: z.string().max(2000),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Every client→server socket event is acknowledged with exactly this shape. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (ack: Ack<T>) => void;
