import type { KeyObject } from "node:crypto";
import { BodyTooLarge, boundedText } from "../lib/bounded-body.js";
import { z } from "zod";
import { ErrorBody } from "../contracts/errors.js";
import type { MessageView } from "./http-signature.js";
import { SignatureError } from "./http-signature.js";
import type { MessageLog } from "./message-log.js";
import { signRequest, verifyResponse, type NodeKey } from "./signed-message.js";

/** The peer as this node pinned it: its URL and the key its answers must be signed with. */
export interface PeerNode {
  name: string;
  url: string;
  keyId: string;
  publicKey: KeyObject;
}

/** A verified answer, with what the sender keeps as proof (the signed receipt). */
export interface SignedAnswer<T = unknown> {
  status: number;
  body: T;
  /** The peer's refusal (`{ error: ErrorBody }`) when the status is not 2xx and the body has that shape, else null. */
  error: ErrorBody | null;
  /**
   * The whole seconds of the peer's Retry-After header on a 429 or 503, else null. Outside the
   * signature (which covers the body, not this header): prefer the refusal's own
   * `details.retryAfterSeconds`. Optional so hand-made answers in tests need not name it.
   */
  retryAfterSeconds?: number | null;
  rawBody: string;
  proof: { signatureInput: string; signature: string; contentDigest: string; requestSignature: string };
}

/** Every refusal a node answers: the one error body, under `error`. */
const Refusal = z.object({ error: ErrorBody });

/** A refusal as an answer that failed verification claims it: its status and code, trusted for nothing. */
export interface UnverifiedRefusal {
  status: number;
  code: string | null;
}

export class TransportError extends Error {
  /**
   * On `response_unverified` with a non-2xx status: what the unsigned answer claims. The hub signs
   * no refusal of a request whose signature it did not verify (a request changed on the way, a key
   * it does not know), so a queue may only wait on it, never count it (see unverifiedRefusal).
   */
  readonly refusal: UnverifiedRefusal | null;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; refusal?: UnverifiedRefusal },
  ) {
    super(message, options);
    this.name = "TransportError";
    this.refusal = options?.refusal ?? null;
  }
}

/** The unsigned 401 a failed call met (see TransportError.refusal), else null. */
export function unverifiedRefusal(err: unknown): UnverifiedRefusal | null {
  return err instanceof TransportError && err.refusal?.status === 401 ? err.refusal : null;
}

/**
 * The code of an unsigned 401 saying this node's clock is off from the peer's (the hub judges a
 * signature's time before the signature itself, so such a refusal never comes signed), else null.
 */
export function unsignedClockRefusal(err: unknown): "clock_skew" | "signature_expired" | null {
  const code = unverifiedRefusal(err)?.code;
  return code === "clock_skew" || code === "signature_expired" ? code : null;
}

/**
 * Whether a refusal says this node's clock is off from the peer's by more than its skew (created
 * too far off, or expired): nothing is wrong with what was sent, so a queue waits uncounted and
 * tells the operator to check the node's clock.
 */
export function clockRefusedAtPeer(answer: { status: number; error: { code: string } | null }): boolean {
  return answer.status === 401 && (answer.error?.code === "clock_skew" || answer.error?.code === "signature_expired");
}

/** Whether a refusal says the peer does not know this node's key: expected until the hub operator registers the node. */
export function notRegisteredAtPeer(answer: { status: number; error: { code: string } | null }): boolean {
  return answer.status === 401 && answer.error?.code === "unknown_key";
}

/**
 * Whether a refusal says the hub operator suspended this node: every message is refused until it
 * is active again, whatever it says, so a queue waits rather than counting its tries.
 */
export function suspendedAtPeer(answer: { status: number; error: { code: string } | null }): boolean {
  return answer.status === 403 && answer.error?.code === "node_suspended";
}

/**
 * A peer's signed refusal, thrown by a caller that needed a 2xx; `code` is the peer's own. (A
 * caller may also throw an unsigned 401 unknown_key as one, for what only waits or logs on it.)
 */
export class PeerRefusal extends Error {
  readonly error: ErrorBody | null;
  readonly status: number;
  constructor(what: string, answer: Pick<SignedAnswer, "status" | "error">) {
    super(`${what} answered ${answer.status}${answer.error ? ` ${answer.error.code}: ${answer.error.message}` : ""}`);
    this.name = "PeerRefusal";
    this.status = answer.status;
    this.error = answer.error;
  }
  get notRegistered(): boolean {
    return notRegisteredAtPeer(this);
  }
}

/** The error code an unverified answer's body claims, or null. */
function claimedCode(rawBody: string): string | null {
  try {
    return Refusal.safeParse(JSON.parse(rawBody)).data?.error.code ?? null;
  } catch {
    return null;
  }
}

/** RFC 9110 §10.2.3 delta-seconds on a 429 or 503 (an HTTP-date or anything else is left out). */
function retryAfterHeader(res: Response): number | null {
  if (res.status !== 429 && res.status !== 503) return null;
  const value = res.headers.get("retry-after")?.trim() ?? "";
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  return seconds > 0 ? seconds : null;
}

/**
 * The most of a peer's answer the client reads. The largest the interface gives is far below it (a
 * notice document is at most 1 MB, ~1.4 MB as base64; an inbox page holds 200 messages); the
 * deadline alone bounded only the time, so a broken or hostile peer could make the node hold any
 * amount it sent within it.
 */
export const MAX_PEER_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * A signal that aborts when `ms` have passed or `outer` aborts; `clear` drops the timer and the
 * listener once the exchange is over. Not `AbortSignal.any([outer, AbortSignal.timeout(ms)])`: on
 * Node before 24 a garbage collection can take the timeout signal inside `any` before it fires
 * (nodejs/node#57736), so a request the peer never answers hung for good (and with it the loop
 * that made it, such as the inbox pull), and a long-lived `outer` kept every composite (#54614).
 */
function deadline(ms: number, outer?: AbortSignal): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms).unref();
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * The sending side: signs every request, verifies every answer against the pinned peer key
 * (including its `;req` binding to this request), and logs both in the message log. An answer that
 * fails verification is treated as no answer: the caller retries with a fresh request.
 */
export function createNodeClient(options: {
  key: NodeKey;
  peer: PeerNode;
  /** Where both ends of each exchange are logged (a benchmark may pass a no-op). */
  log: Pick<MessageLog, "append">;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}) {
  const doFetch = options.fetchImpl ?? fetch;
  return {
    /** One signed exchange; `signal` lets the caller abandon it (a long poll at shutdown). */
    async call<T = unknown>(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<SignedAnswer<T>> {
      const url = new URL(path, options.peer.url).toString();
      const text = body === undefined ? "" : JSON.stringify(body);
      const { headers, nonce } = signRequest(options.key, { method, url, body: text });
      const requestView: MessageView = { method, targetUri: url, header: (n) => headers[n] };
      const base = {
        direction: "out" as const,
        peer: options.peer.name,
        keyId: options.key.keyId,
        nonce,
        method,
        target: new URL(url).pathname + new URL(url).search,
        requestDigest: headers["content-digest"] ?? null,
        requestSignature: headers.signature ?? null,
      };
      let res: Response;
      let rawBody: string;
      // The deadline covers the answer's body too: a peer that stops half-way is no answer either.
      const limit = deadline(options.timeoutMs ?? 15_000, signal);
      try {
        res = await doFetch(url, {
          method,
          headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : text,
          // The request is signed for this URL: a redirect (a misconfigured proxy, a hijacked name)
          // must not carry its body and signature elsewhere. Failing, it is no answer (unreachable).
          redirect: "error",
          signal: limit.signal,
        });
        rawBody = await boundedText(res, MAX_PEER_ANSWER_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          await options.log.append({
            ...base, status: null, responseDigest: null, responseSignature: null, outcome: "failed", code: "peer_answer_too_large",
          });
          throw new TransportError(
            "peer_answer_too_large",
            `${options.peer.name} 的应答超过 ${MAX_PEER_ANSWER_BYTES / 1024 / 1024} MB，已放弃读取`,
          );
        }
        await options.log.append({
          ...base, status: null, responseDigest: null, responseSignature: null, outcome: "failed", code: "unreachable",
        });
        throw new TransportError("hub_unreachable", `无法连接 ${options.peer.name}`, { cause: err });
      } finally {
        limit.clear();
      }
      const responseView: MessageView = { status: res.status, header: (n) => res.headers.get(n) ?? undefined };
      try {
        verifyResponse(responseView, rawBody, requestView, options.peer.publicKey, options.peer.keyId);
      } catch (err) {
        const code = err instanceof SignatureError ? err.code : "response_unverified";
        await options.log.append({
          ...base, status: res.status, responseDigest: res.headers.get("content-digest"),
          responseSignature: res.headers.get("signature"), outcome: "failed", code: `response_${code}`,
        });
        const refusal = res.ok ? undefined : { status: res.status, code: claimedCode(rawBody) };
        throw new TransportError("response_unverified", `${options.peer.name} 的应答签名无效 (${code})`, { cause: err, refusal });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody);
      } catch (err) {
        throw new TransportError("response_malformed", "应答不是合法的 JSON", { cause: err });
      }
      const error = res.ok ? null : (Refusal.safeParse(parsed).data?.error ?? null);
      const errorCode = res.ok ? null : (error?.code ?? "error");
      await options.log.append({
        ...base, status: res.status, responseDigest: res.headers.get("content-digest"),
        responseSignature: res.headers.get("signature"), outcome: res.ok ? "processed" : "refused", code: errorCode,
      });
      return {
        status: res.status,
        body: parsed as T,
        error,
        retryAfterSeconds: retryAfterHeader(res),
        rawBody,
        proof: {
          signatureInput: res.headers.get("signature-input") ?? "",
          signature: res.headers.get("signature") ?? "",
          contentDigest: res.headers.get("content-digest") ?? "",
          requestSignature: headers.signature ?? "",
        },
      };
    },
  };
}
export type NodeClient = ReturnType<typeof createNodeClient>;
