import type { z } from "zod";
import type { Ack } from "../contracts/errors.js";
import type { AckDataOf, ClientEvent, PayloadOf } from "../contracts/socket-events.js";
import { AppError, isUnexpected, toAppError } from "./errors.js";
import { assertRefusesUnknownKeys } from "./strict-schema.js";
import type { Logger } from "./logger.js";
import type { AppSocket } from "./socket-types.js";

export type { AckDataOf, ClientEvent, PayloadOf };

/**
 * Registers the handler of client event `E`: its payload schema, the handler's result and the ack
 * are all checked against the contract map (`server/contracts/socket-events.ts`), so a handler that
 * answers the wrong shape does not compile. The payload is validated with zod before the handler
 * runs; the outcome always reaches the client as one `Ack`.
 */
export function on<E extends ClientEvent>(
  socket: AppSocket,
  event: E,
  schema: z.ZodType<PayloadOf<E>>,
  handler: (payload: PayloadOf<E>) => Promise<AckDataOf<E>> | AckDataOf<E>,
  logger?: Logger,
): void {
  // socket.io's own typing cannot follow a generic event name through its conditional listener
  // types; the signature above is what the compiler checks, this line only hands it over.
  const listen = socket.on.bind(socket) as unknown as (event: string, listener: AckListener) => void;
  listen(event, withAck(schema, handler, logger));
}

/** What socket.io calls for an incoming event: the client's arguments, the ack callback last if sent. */
export type AckListener = (...args: unknown[]) => void;

/**
 * Wraps a handler so its payload is validated with zod and its outcome always reaches the client
 * as one `Ack`. A client that sends no callback, a malformed payload, a callback but no payload, or
 * a throwing handler can never crash the server or leave the client waiting.
 */
export function withAck<T, R>(
  schema: z.ZodType<T>,
  handler: (payload: T) => Promise<R> | R,
  logger?: Logger,
): AckListener {
  assertRefusesUnknownKeys(schema, "a socket event's payload");
  const call = (_socket: unknown, payload: T) => handler(payload);
  return (...args) => answer(schema, null, call, null, logger, args);
}

/** One client event's listener, made once and registered on many sockets (`listenShared`). */
export interface SharedListener {
  event: ClientEvent;
  listener: AckListener;
}

/**
 * Like `on`, but the listener is made once and shared by every socket it is registered on, where
 * `on` makes one closure per socket and event (thousands of candidates' sockets keep them all).
 * socket.io calls an event's listeners with the socket as `this` (Node's EventEmitter contract),
 * and the handler gets it as its first argument; per-socket state belongs in `socket.data`.
 */
export function sharedListener<E extends ClientEvent>(
  event: E,
  schema: z.ZodType<PayloadOf<E>>,
  handler: (socket: AppSocket, payload: PayloadOf<E>) => Promise<AckDataOf<E>> | AckDataOf<E>,
  logger?: Logger,
  /** A hand-written stand-in for the schema's parse on the payloads it surely accepts (`ExactCheck`). */
  exact: ExactCheck<PayloadOf<E>> | null = null,
): SharedListener {
  assertRefusesUnknownKeys(schema, `socket event ${event}'s payload`);
  function listener(this: AppSocket, ...args: unknown[]): void {
    answer(schema, exact, handler, this, logger, args);
  }
  return { event, listener };
}

/** Registers shared listeners on one socket. */
export function listenShared(socket: AppSocket, listeners: readonly SharedListener[]): void {
  // As in `on`: socket.io's typing cannot follow an event name that is only known at run time.
  const listen = socket.on.bind(socket) as unknown as (event: string, listener: AckListener) => void;
  for (const { event, listener } of listeners) listen(event, listener);
}

function answer<T, R, S>(
  schema: z.ZodType<T>,
  exact: ExactCheck<T> | null,
  handler: (socket: S, payload: T) => Promise<R> | R,
  socket: S,
  logger: Logger | undefined,
  args: unknown[],
): void {
  // socket.io passes the ack callback as the last argument, wherever the payload is: an emit
  // with a callback and no payload arrives as `(callback)`.
  const last = args[args.length - 1];
  const ack = typeof last === "function" ? (last as (a: Ack<R>) => void) : null;
  const payload = ack && args.length < 2 ? undefined : args[0];
  let data = exact ? exact(payload) : undefined;
  if (data === undefined) {
    const result = schema.safeParse(payload);
    if (!result.success) {
      ack?.({ ok: false, error: toAppError(result.error).toBody() });
      return;
    }
    data = result.data;
  }
  // The handler is called here and its promise awaited once: every save is one event, and the
  // chain of promises that first deferred the call cost each save three promises and their
  // closures (issue 17). A handler that throws before returning is answered like one that rejects.
  let out: Promise<R> | R;
  try {
    out = handler(socket, data);
  } catch (err) {
    failed(err, ack, logger);
    return;
  }
  if (isThenable(out))
    out.then(
      (data: R) => ack?.({ ok: true, data }),
      (err: unknown) => failed(err, ack, logger),
    );
  else ack?.({ ok: true, data: out });
}

/**
 * A hand-written check standing in for a schema's parse on the payloads it surely accepts: their
 * parsed value, or undefined for anything else, which the schema then parses (and refuses with
 * its own words). It must never accept what the schema refuses.
 */
export type ExactCheck<T> = (payload: unknown) => T | undefined;

/** A handler's failure as the client's ack; an unexpected one is logged, its cause never sent. */
function failed<R>(err: unknown, ack: ((a: Ack<R>) => void) | null, logger: Logger | undefined): void {
  const appError = toAppError(err);
  if (isUnexpected(appError)) logger?.error({ err: appError.cause ?? err }, "socket handler failed");
  ack?.({ ok: false, error: appError.toBody() });
}

/**
 * Whether a handler's or check's answer is still to come: anything with a callable `then` (a
 * promise of another library or realm too), not only this realm's `Promise`, which `instanceof`
 * would take for a finished answer.
 */
export function isThenable<R>(value: PromiseLike<R> | R): value is PromiseLike<R> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Acknowledges with `event_not_allowed` any event this socket has no handler for. Each role's
 * handlers are registered only on its own sockets (a candidate's socket has no `proctor:*`), and
 * socket.io drops an event nobody listens to: the caller waited for an ack that never came.
 * Register after every feature's handlers; events without an ack callback are dropped as before.
 */
export function refuseUnhandledEvents(socket: AppSocket): void {
  socket.use((packet, next) => {
    const [event] = packet as unknown[];
    // A count, not `listeners()`, which copies the list for every packet.
    if (typeof event === "string" && socket.listenerCount(event as never) > 0) return next();
    const last: unknown = (packet as unknown[]).at(-1);
    if (typeof last !== "function") return;
    const error = new AppError("event_not_allowed", 403, "当前身份不能使用该操作");
    (last as (a: Ack<never>) => void)({ ok: false, error: error.toBody() });
  });
}
