import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Express } from "express";
import helmet from "helmet";
import type { Connection } from "mongoose";
import { pinoHttp } from "pino-http";
import type { Config } from "./config.js";
import type { Feature } from "./feature.js";
import { healthRouter, type Readiness } from "./health/index.js";
import { HUB_API_PREFIX } from "./hub/index.js";
import {
  errorHandler,
  normaliseBody,
  noQueryOnWrites,
  notFoundHandler,
  rejectMalformedPath,
  strictRouter,
} from "./lib/http.js";
import type { Logger } from "./lib/logger.js";

export interface AppDeps {
  config: Config;
  logger: Logger;
  conn: Connection;
  features: Feature[];
  /** What `/readyz` asks besides the database (Redis, shutdown); main.ts makes it. */
  readiness?: Readiness;
}

/** Builds the Express app without listening, so tests can drive it in-process. */
export function createApp({ config, logger, conn, features, readiness }: AppDeps): Express {
  const app = express();
  // One spelling per route (see strictRouter); must be set before the app's router is first used.
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  if (config.http.trustProxy) app.set("trust proxy", 1);
  app.disable("x-powered-by");

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" },
      serializers: { req: redactRequest, res: redactResponse },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Element Plus injects inline styles; camera preview needs blob: and data: images.
          "style-src": ["'self'", "'unsafe-inline'"],
          "img-src": ["'self'", "data:", "blob:"],
          "connect-src": ["'self'", "ws:", "wss:"],
          // The verify page reads QR codes with zxing compiled to WebAssembly; compiling wasm needs
          // 'wasm-unsafe-eval' (it allows wasm only, not JavaScript eval).
          "script-src": ["'self'", "'wasm-unsafe-eval'"],
        },
      },
    }),
  );
  app.use(rejectMalformedPath);
  // The raw bytes are kept because signed inter-node messages (RFC 9530 Content-Digest) are
  // checked over exactly what was sent, not over a re-serialisation of the parsed value.
  const json = (inflate: boolean) =>
    express.json({
      limit: "2mb",
      inflate,
      verify: (req, _res, buf) => {
        (req as express.Request).rawBody = buf;
      },
    });
  // Under the inter-node prefix a compressed body is refused (415) rather than inflated: `verify`
  // sees the inflated bytes, so the digest would be checked over bytes that were never sent.
  const nodeJson = json(false);
  const anyJson = json(true);
  app.use((req, res, next) =>
    (req.path.startsWith(`/api${HUB_API_PREFIX}/`) ? nodeJson : anyJson)(req, res, next),
  );
  app.use(normaliseBody);

  app.use(
    healthRouter(
      conn,
      { role: config.role, provinceCode: config.provinceCode, nodeName: config.nodeName },
      readiness,
    ),
  );

  for (const feature of features) for (const mw of feature.middleware ?? []) app.use(mw);
  const api = strictRouter();
  // A query on a write is refused here for every route but the signed inter-node ones, which
  // refuse it themselves once the sender is authenticated, so that
  // the refusal goes back signed and logged like their other refusals (all of them are under the
  // prefix; a spelling that is not reaches no route there and is refused here).
  api.use((req, res, next) =>
    req.path.startsWith(`${HUB_API_PREFIX}/`) ? next() : noQueryOnWrites(req, res, next),
  );
  for (const feature of features) if (feature.router) api.use(feature.router);
  app.use("/api", api);
  // Any other spelling of /api (`/API/…`) is answered as an unknown API route too, not by the client.
  app.use(/^\/api(?=\/|$)/i, notFoundHandler);

  serveClient(app, config.http.clientDist);
  app.use(errorHandler(logger));
  return app;
}

/** What the request log holds of a request (pino's standard serializer's fields). */
interface LoggedRequest {
  url?: string;
  query?: unknown;
  headers?: Record<string, unknown>;
}

const REDACTED = "[redacted]";

/**
 * The request as the log keeps it: without a kiosk seat token (`seat=`, in the query of kiosk
 * addresses issued before the token moved into the fragment; whoever reads the log could log
 * candidates in as that seat), nor the login cookie and CSRF token (they are the login itself).
 * Copies: the serializer's fields are the live request's own objects.
 */
function redactRequest(req: LoggedRequest): LoggedRequest {
  const out: LoggedRequest = Object.assign(
    Object.create(Object.getPrototypeOf(req) as object) as object,
    req,
  );
  if (typeof req.url === "string") out.url = withoutSeatToken(req.url);
  if (req.query && typeof req.query === "object" && "seat" in req.query)
    out.query = { ...(req.query as Record<string, unknown>), seat: REDACTED };
  if (req.headers) {
    const headers = { ...req.headers };
    if (typeof headers.referer === "string") headers.referer = withoutSeatToken(headers.referer);
    for (const name of ["cookie", "x-csrf-token"]) if (name in headers) headers[name] = REDACTED;
    out.headers = headers;
  }
  return out;
}

/**
 * The response as the log keeps it: without the session cookie a login sets (its value is the
 * login itself). A copy, as redactRequest's.
 */
function redactResponse(res: { headers?: Record<string, unknown> }): { headers?: Record<string, unknown> } {
  if (!res.headers || !("set-cookie" in res.headers)) return res;
  const out = Object.assign(Object.create(Object.getPrototypeOf(res) as object) as object, res) as typeof res;
  out.headers = { ...res.headers, "set-cookie": REDACTED };
  return out;
}

/** A URL (a path with its query, or a whole address) with any `seat` parameter's value replaced. */
function withoutSeatToken(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const end = url.indexOf("#", q);
  const params = new URLSearchParams(url.slice(q + 1, end < 0 ? undefined : end));
  if (!params.has("seat")) return url;
  params.set("seat", REDACTED);
  return `${url.slice(0, q)}?${params.toString()}${end < 0 ? "" : url.slice(end)}`;
}

/** Serves the built Vue app (production) with history-mode fallback to index.html. */
function serveClient(app: Express, clientDist: string): void {
  const root = path.resolve(clientDist);
  const index = path.join(root, "index.html");
  if (!existsSync(index)) return;
  app.use(express.static(root, { index: false, maxAge: "1h" }));
  app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
    res.sendFile(index);
  });
}
