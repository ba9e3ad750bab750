import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from "express";
import { z } from "zod";
import { AppError, isDatabaseClosed, isUnexpected, retryAfterSecondsOf, toAppError } from "./errors.js";
import type { Logger } from "./logger.js";
import { assertRefusesUnknownKeys } from "./strict-schema.js";
import { wellFormed } from "./well-formed.js";

type Part = "body" | "query" | "params";

/**
 * Parses one request part with a zod schema and keeps the *parsed* value in `res.locals.parsed[part]`
 * (Express 5 makes `req.query` read-only). Read it back with `parsed(res, part)`.
 */
export function validate<S extends z.ZodType>(part: Part, schema: S): RequestHandler {
  // At the route's registration: a node whose routes would drop unknown keys does not start.
  assertRefusesUnknownKeys(schema, `a route's ${part}`);
  return (req, res, next) => {
    const result = schema.safeParse(req[part]);
    if (!result.success) return next(toAppError(result.error));
    const locals = res.locals as { parsed?: Partial<Record<Part, unknown>> };
    locals.parsed = { ...locals.parsed, [part]: result.data };
    next();
  };
}

/** Parses a request part inline; for handlers that prefer `const body = parse(Schema, req.body)`. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  assertRefusesUnknownKeys(schema, "a request part parsed inline");
  const result = schema.safeParse(value);
  if (!result.success) throw toAppError(result.error);
  return result.data;
}

/**
 * For a route that reads no query: any parameter is refused as an unknown key (400
 * validation_failed), never ignored. `GET /test-centres?divisionCode=…` answered with every test
 * centre, a filter that looked applied and was not.
 */
export const noQuery: RequestHandler = validate("query", z.strictObject({}));

/**
 * For a write that takes no body: a field is refused as an unknown key, an empty object or no
 * body at all is fine. `POST /certificates/:no/renew {"years": 3}` renewed on the usual terms
 * without a word about the field.
 */
export const noBody: RequestHandler = validate("body", z.strictObject({}).optional());

/**
 * No write reads a query (its input is its body): a query on one is refused for every route at
 * once, so that no POST, PATCH or DELETE can quietly ignore `?force=1`.
 */
export const noQueryOnWrites: RequestHandler = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD") return next();
  noQuery(req, res, next);
};

/** Reads back what `validate(part, schema)` stored. */
export function parsed<T>(res: { locals: Record<string, unknown> }, part: Part): T {
  const store = res.locals.parsed as Partial<Record<Part, unknown>> | undefined;
  return store?.[part] as T;
}

/**
 * A router with one spelling per route: case-sensitive and strict about trailing slashes. Express
 * matches case-insensitively and ignores a trailing slash by default, so `/API/users/` reached the
 * handler of `/api/users` while any check comparing path strings saw a different path. Every
 * feature router is built here; security decisions never compare paths themselves.
 */
export function strictRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

/**
 * Refuses, before any route or security check runs, a path that does not percent-decode
 * (`/api/candidates/%ZZ`): a stable 400 instead of the router's URIError reaching the error
 * middleware as an unexpected 500.
 */
export const rejectMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    return next(malformedPath());
  }
  next();
};

function malformedPath(): AppError {
  return new AppError("invalid_path_encoding", 400, "请求路径的编码不正确");
}

/**
 * How deep a request body may nest. No contract nests beyond a handful of levels; a 2 MB body of
 * `[[[[…` parses fine but overflowed the stack of every recursive walk after it (this one, zod,
 * the audit hash) as an unexpected 500.
 */
export const MAX_BODY_DEPTH = 32;

/** True when `value` has arrays or objects nested more than `max` levels (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Request bodies are bounded in depth, then made well-formed once at the edge: a lone UTF-16
 * surrogate would otherwise be compared as received (uniqueness, lockout keys) but stored as
 * U+FFFD by the UTF-8 database.
 */
export const normaliseBody: RequestHandler = (req, _res, next) => {
  if (req.body === undefined) return next();
  if (nestedDeeperThan(req.body, MAX_BODY_DEPTH)) {
    return next(new AppError("body_too_deep", 400, `请求体嵌套超过 ${MAX_BODY_DEPTH} 层`));
  }
  req.body = wellFormed<unknown>(req.body);
  next();
};

/** 404 for any API route nobody answered. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("route_not_found", 404, `找不到接口 ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * The one HTTP error middleware: every error leaves as `{ error: ErrorBody }` with the AppError's
 * status. Unknown errors become an opaque 500 and their cause is logged with the request id.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res, _next) => {
    const appError = fromBodyParser(err) ?? toAppError(err);
    if (isUnexpected(appError) && isDatabaseClosed(err)) {
      // The node stopped (and closed its database) while this request was still being handled.
      logger.warn({ reqId: req.id, path: req.path }, "request abandoned: the node stopped while handling it");
    } else if (isUnexpected(appError)) {
      logger.error({ err: appError.cause ?? err, reqId: req.id, path: req.path }, "unhandled error");
    }
    if (res.headersSent) return;
    const retryAfter = retryAfterSecondsOf(appError.status, appError.details);
    if (retryAfter !== null) res.set("Retry-After", String(retryAfter));
    res.status(appError.status).json({ error: appError.toBody() });
  };
}

function fromBodyParser(err: unknown): AppError | null {
  // The router's own parameter decoding (a param that passed the path check above cannot fail,
  // but any other decode of request text by a library ends the same way).
  if (err instanceof URIError) return malformedPath();
  const e = (err ?? {}) as BodyParserError;
  if (e.type === "entity.parse.failed") return new AppError("invalid_json", 400, "请求体不是合法的 JSON");
  if (e.type === "entity.too.large") return new AppError("payload_too_large", 413, "请求体过大");
  if (typeof e.type === "string" && typeof e.status === "number" && e.status < 500) {
    return new AppError("bad_request", e.status, "请求格式不正确");
  }
  return null;
}

/** What Node's HTTP parser refuses before Express sees the request, answered in the one error body. */
const PARSER_REFUSALS: Record<string, AppError> = {
  HPE_HEADER_OVERFLOW: new AppError("headers_too_large", 431, "请求头过大"),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: new AppError("payload_too_large", 413, "请求体过大"),
  ERR_HTTP_REQUEST_TIMEOUT: new AppError("request_timeout", 408, "请求超时"),
};
const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 413: "Payload Too Large", 431: "Request Header Fields Too Large" };

/**
 * Answers requests Node's parser refused (an oversized header, a malformed request line) with
 * `{ error: ErrorBody }` like every other refusal; Node's own answer had a status and no body.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const e = PARSER_REFUSALS[err.code ?? ""] ?? new AppError("bad_request", 400, "请求格式不正确");
    const body = JSON.stringify({ error: e.toBody() });
    socket.end(
      `HTTP/1.1 ${e.status} ${STATUS_TEXT[e.status] ?? "Bad Request"}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
