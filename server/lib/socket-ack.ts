import type { z } from "zod";
import type { Ack } from "../contracts/errors.js";
import { isUnexpected, toAppError } from "./errors.js";
import type { Logger } from "./logger.js";

/**
 * Wraps a socket handler so its payload is validated with zod and its outcome always reaches the
 * client as one `Ack`. A client that sends no callback, a malformed payload or a throwing handler
 * can never crash the server or leave the client waiting.
 */
export function withAck<S extends z.ZodType, R>(
  schema: S,
  handler: (payload: z.infer<S>) => Promise<R> | R,
  logger?: Logger,
): (payload: unknown, ack?: unknown) => void {
  return (payload, ack) => {
    const reply = typeof ack === "function" ? (ack as (a: Ack<R>) => void) : () => undefined;
    const result = schema.safeParse(payload);
    if (!result.success) {
      reply({ ok: false, error: toAppError(result.error).toBody() });
      return;
    }
    Promise.resolve()
      .then(() => handler(result.data))
      .then(
        (data) => reply({ ok: true, data }),
        (err: unknown) => {
          const appError = toAppError(err);
          if (isUnexpected(appError)) logger?.error({ err: appError.cause ?? err }, "socket handler failed");
          reply({ ok: false, error: appError.toBody() });
        },
      );
  };
}
