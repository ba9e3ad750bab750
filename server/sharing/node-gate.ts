import type { KeyObject } from "node:crypto";
import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import passportModule, { type Strategy, type StrategyCreated } from "passport";
import { AppError, isDatabaseClosed, isUnexpected, retryAfterSecondsOf, toAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { contentDigest, SignatureError, type MessageView } from "./http-signature.js";
import type { MessageLog } from "./message-log.js";
import type { NonceReservation, NonceStore } from "./nonce-store.js";
import type { RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { budgetFor, takeToken } from "./node-gate-shared.js";
import {
  signResponse,
  verifyRequest,
  type NodeKey,
  type TimeWindow,
  type VerifiedRequest,
} from "./signed-message.js";

/** A peer node as the receiver knows it (hub: a registered province; province: the hub). */
export interface KnownNode {
  /** GB/T 2260 province code, or `hub`. */
  peer: string;
  publicKey: KeyObject;
  /** False when the operator suspended the node: its signatures are still checked, its requests refused. */
  active: boolean;
}

/** What an authenticated inter-node request carries in `res.locals.node`. */
export interface AuthenticatedNode {
  peer: string;
  keyId: string;
  verified: VerifiedRequest;
}

export interface NodeGateOptions {
  key: NodeKey;
  /** Looks the key id up at the moment of the request (never cached: a suspension applies at once). */
  resolveNode: (keyId: string) => Promise<KnownNode | null>;
  /**
   * The node a key id belonged to when the registry was last read, without reading it (optional).
   * With it, a request is checked against that key first and its nonce claimed while resolveNode
   * confirms the key, instead of after: one round trip fewer in sequence on every message.
   */
  keptNode?: (keyId: string) => KnownNode | null;
  /**
   * This node's own origin as other nodes address it (config `http.publicOrigin`, PUBLIC_URL).
   * Absent or null (development, tests): the address and port the connection reached. A request
   * signed for any other origin is refused `wrong_audience` (see verifyRequest).
   */
  publicOrigin?: string | null;
  nonces: NonceStore;
  log: MessageLog;
  logger: Logger;
  window: TimeWindow;
  /** Requests per node key per minute before 429. */
  ratePerMinute: number;
  /**
   * How many refusals of unauthenticated requests are logged one by one (see refusal-budget.ts);
   * from config (HUB_UNSIGNED_LOG_*). The first gate on a message log sets its budget.
   */
  refusalBudget: RefusalBudgetOptions;
  now?: () => Date;
}

export { unsignedSummaryEntry } from "./node-gate-shared.js";

/** How a received request looks to the signature checker. */
export function requestView(req: Request): MessageView {
  return {
    method: req.method,
    targetUri: `${req.protocol}://${req.get("host") ?? ""}${req.originalUrl}`,
    header: (name) => req.get(name),
  };
}

/**
 * The target URI a request to this node must have been signed for: its public origin plus the path
 * as received. Without PUBLIC_URL, the local address the TCP connection reached, which is what a
 * development or test node is addressed by (http://127.0.0.1:<port>); a name such as `localhost`
 * or a relay's Host then does not match, so the default refuses rather than trusts the Host header.
 */
export function ownTargetUri(req: Request, publicOrigin: string | null | undefined): string {
  if (publicOrigin) return `${publicOrigin}${req.originalUrl}`;
  const address = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:(?=\d+\.)/, "");
  const host = address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort ?? 0}${req.originalUrl}`;
}

export function authenticatedNode(res: Response): AuthenticatedNode {
  const node = res.locals.node as AuthenticatedNode | undefined;
  if (!node) throw new AppError("node_unauthenticated", 401, "请求未经节点签名认证");
  return node;
}

/**
 * The receiving side of the transport: a passport strategy that authenticates nodes by their
 * RFC 9421 signature, the nonce check that turns a replay into the stored answer, per-node rate
 * limits, signed answers, and one message-log entry per message whatever its fate.
 */
export function createNodeGate(options: NodeGateOptions) {
  const now = options.now ?? (() => new Date());
  const { budget: refusals, summaries } = budgetFor(options.log, options.refusalBudget, options.logger);
  const passport = new passportModule.Passport();
  /** Nonce claims made while the sender's key was being confirmed, taken up by `admit`. */
  const earlyClaims = new WeakMap<Request, Promise<NonceReservation>>();
  /**
   * Requests whose signature verified: only their answers are signed and bound (`;req`). Signed, a
   * refusal of an unverified request (a byte changed on the way) was bound to the genuine request,
   * and its sender counted it as the hub's word.
   */
  const verifiedRequests = new WeakSet<Request>();

  /** Gives a claim back when the request it was made for is refused (nothing was done with it). */
  async function abandon(claim: Promise<NonceReservation>, verified: VerifiedRequest): Promise<void> {
    const seen = await claim.catch(() => null);
    if (seen?.kind === "new") await options.nonces.release(verified.keyId, verified.nonce);
  }

  /**
   * The sender's node, read live. A request checked against a kept key (keptNode) claims its nonce
   * at the same time: the claim is an effect only a correctly signed message may cause, and the
   * signature was checked first; if the live read then refuses the node (key retired, node
   * suspended), the claim is given back before the refusal is answered.
   */
  async function confirm(
    req: Request,
    kept: KnownNode | null,
    verified: VerifiedRequest,
  ): Promise<KnownNode | null> {
    if (!kept) return null;
    const claim = options.nonces.reserve(verified.keyId, verified.nonce, verified.signature);
    // Handled here so a failed claim never goes unobserved while the registry is read.
    claim.catch(() => undefined);
    let current: KnownNode | null;
    try {
      current = await options.resolveNode(verified.keyId);
    } catch (err) {
      await abandon(claim, verified);
      throw err;
    }
    // A key id names one public key (its hash), so a node still holding it holds the key checked.
    if (current?.active) earlyClaims.set(req, claim);
    else await abandon(claim, verified);
    return current;
  }

  const strategy: Strategy = {
    name: "node-signature",
    authenticate(this: StrategyCreated<Strategy>, req: Request) {
      let peer: KnownNode | null = null;
      let kept: KnownNode | null = null;
      verifyRequest(requestView(req), req.rawBody ?? "", {
        now: now(),
        window: options.window,
        expectedTargetUri: ownTargetUri(req, options.publicOrigin),
        resolveKey: async (keyId) => {
          kept = options.keptNode?.(keyId) ?? null;
          if (kept) return kept.publicKey;
          peer = await options.resolveNode(keyId);
          return peer?.publicKey ?? null;
        },
      })
        .then(async (verified) => {
          verifiedRequests.add(req);
          // Assigned inside resolveKey, which the compiler cannot see run.
          const guess = kept as KnownNode | null;
          return {
            verified,
            known: guess ? await confirm(req, guess, verified) : (peer as KnownNode | null),
          };
        })
        .then(
          ({ verified, known }) => {
            if (!known) return this.fail({ code: "unknown_key", message: "未登记的节点密钥" }, 401);
            if (!known.active) return this.fail({ code: "node_suspended", message: "节点已被停用" }, 403);
            this.success({
              peer: known.peer,
              keyId: verified.keyId,
              verified,
            } satisfies AuthenticatedNode as never);
          },
          (err: unknown) => {
            // wrong_audience is checked after the signature (verifyRequest): the key did sign it.
            if (err instanceof SignatureError && err.code === "wrong_audience") verifiedRequests.add(req);
            if (err instanceof SignatureError) this.fail({ code: err.code, message: err.message }, 401);
            else this.error(err instanceof Error ? err : new Error(String(err)));
          },
        );
    },
  };
  passport.use(strategy);

  /** Sends `body` as the signed answer, stores it with the nonce and logs the message. */
  async function reply(
    req: Request,
    res: Response,
    status: number,
    body: unknown,
    outcome: "processed" | "refused" = "processed",
    code: string | null = null,
  ): Promise<void> {
    const text = JSON.stringify(body);
    // Unsigned unless the request's signature verified (the documents say which refusals).
    const headers: Record<string, string> = verifiedRequests.has(req)
      ? signResponse(options.key, { status, body: text }, requestView(req), now())
      : { "content-digest": contentDigest(text) };
    // Outside the signature's components, like Content-Type; the same number is in the signed
    // body (details.retryAfterSeconds), which is what a node should believe.
    const retryAfter = retryAfterSecondsOf(status, (body as { error?: { details?: unknown } } | null)?.error?.details);
    if (retryAfter !== null) headers["retry-after"] = String(retryAfter);
    const node = res.locals.node as AuthenticatedNode | undefined;
    // Keeping the answer for replays and logging the message are independent writes: both round
    // trips run at once, and the answer leaves only after both are done.
    await Promise.all([
      node && res.locals.nonceReserved === true
        ? options.nonces.complete(node.keyId, node.verified.nonce, { status, body: text, headers })
        : null,
      logMessage(req, status, headers, outcome, code, node),
    ]);
    res.status(status).set(headers).type("application/json").send(text);
  }

  async function logMessage(
    req: Request,
    status: number | null,
    headers: Record<string, string>,
    outcome: "processed" | "refused" | "replayed" | "failed",
    code: string | null,
    node: AuthenticatedNode | undefined,
  ): Promise<void> {
    // A refusal no node signed is logged one by one within its source's budget, and counted
    // otherwise; the count is logged as one entry per summary window, on a timer (see
    // refusal-summary.ts). Every authenticated message is logged.
    if (!node && !refusals.admit(req.ip ?? "unknown")) {
      summaries.schedule();
      return;
    }
    await options.log.append({
      direction: "in",
      peer: node?.peer ?? "unknown",
      keyId: node?.keyId ?? claimedKeyId(req),
      nonce: node?.verified.nonce ?? null,
      method: req.method,
      target: req.originalUrl.slice(0, 500),
      requestDigest: req.get("content-digest")?.slice(0, 200) ?? null,
      requestSignature: req.get("signature")?.slice(0, 400) ?? null,
      status,
      responseDigest: headers["content-digest"] ?? null,
      responseSignature: headers.signature ?? null,
      outcome,
      code,
    });
  }

  /** Authenticates the node, then reserves the nonce; a replay is answered here from the store. */
  const authenticate: RequestHandler = (req, res, next) => {
    const handler = passport.authenticate(
      "node-signature",
      { session: false },
      (
        err: unknown,
        node: AuthenticatedNode | false,
        info: { code?: string; message?: string } | undefined,
        status?: number,
      ) => {
        if (err) return next(err);
        if (!node) {
          const e = new AppError(
            info?.code ?? "node_unauthenticated",
            status ?? 401,
            info?.message ?? "节点认证失败",
          );
          return reply(req, res, e.status, { error: e.toBody() }, "refused", e.code).catch(next);
        }
        res.locals.node = node;
        void admit(req, res, node).then(
          (admitted) => {
            if (admitted) next();
          },
          (e: unknown) => next(e),
        );
      },
    ) as RequestHandler;
    void handler(req, res, next);
  };

  async function admit(req: Request, res: Response, node: AuthenticatedNode): Promise<boolean> {
    const seen = await (earlyClaims.get(req) ??
      options.nonces.reserve(node.keyId, node.verified.nonce, node.verified.signature));
    if (seen.kind === "replay") {
      await logMessage(req, seen.status, seen.headers, "replayed", "replay", node);
      res.status(seen.status).set(seen.headers).type("application/json").send(seen.body);
      return false;
    }
    if (seen.kind !== "new") {
      const e =
        seen.kind === "in_progress"
          ? new AppError("replay_in_progress", 409, "同一消息正在处理中")
          : new AppError("nonce_reused", 401, "nonce 已被其他消息使用");
      await reply(req, res, e.status, { error: e.toBody() }, "refused", e.code);
      return false;
    }
    res.locals.nonceReserved = true;
    const retryAfterSeconds = takeToken(options.key.keyId, node.keyId, options.ratePerMinute);
    if (retryAfterSeconds > 0) {
      const e = new AppError("rate_limited", 429, "节点请求过于频繁，请稍后再试", { retryAfterSeconds });
      await reply(req, res, e.status, { error: e.toBody() }, "refused", e.code);
      return false;
    }
    return true;
  }

  /** The inter-node routers' error middleware: every error leaves signed and logged. */
  const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
    const appError = toAppError(err);
    if (res.headersSent) return next(err);
    void (async () => {
      const node = res.locals.node as AuthenticatedNode | undefined;
      if (isUnexpected(appError)) {
        if (isDatabaseClosed(err))
          options.logger.warn({ path: req.path }, "inter-node request abandoned: the node stopped while handling it");
        else options.logger.error({ err: appError.cause ?? err, path: req.path }, "inter-node request failed");
        // Let the sender retry with the same nonce. Not "nothing was applied": a collection batch
        // commits round by round, so a failure after a round (its rejections' log, say) leaves
        // records applied. A retry is still safe there: applied records come back `duplicate`, and
        // the report counts a re-sent rejection once. What the receipt echoes is checked before
        // the first write, so the answer's contract cannot be what fails after a commit.
        if (node && res.locals.nonceReserved === true) {
          await options.nonces.release(node.keyId, node.verified.nonce);
          res.locals.nonceReserved = false;
        }
      }
      await reply(req, res, appError.status, { error: appError.toBody() }, "refused", appError.code);
    })().catch(next);
  };

  return {
    authenticate,
    reply,
    errorHandler,
    /** Writes the summary of refusals still only counted (node shutdown; idempotent). */
    close: () => summaries.close(),
  };
}
export type NodeGate = ReturnType<typeof createNodeGate>;

/** The key id a request claims, for logging a refusal (not trusted for anything else). */
function claimedKeyId(req: Request): string | null {
  const m = /keyid="([^"]{1,100})"/.exec(req.get("signature-input") ?? "");
  return m?.[1] ?? null;
}
