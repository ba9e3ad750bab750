/**
 * roadcert's inter-node profile of RFC 9421: which components every request and response must
 * cover, which parameters are required, and the time window. Both the hub and province nodes (and
 * the conformance kit) sign and check messages only through these functions.
 *
 * Request:  ("@method" "@target-uri" "@authority" "content-digest");created;expires;nonce;keyid;alg="ed25519"
 *           and `@target-uri` must name the receiver's own public origin (PUBLIC_URL), else wrong_audience.
 * Response: ("@status" "content-digest" "@method";req "@target-uri";req "signature";req;key="sig1");created;keyid;alg="ed25519"
 * The response covers the request's signature, so a receipt proves which request it answers (X-Road).
 */
import { createHash, createPublicKey, randomBytes, type KeyObject } from "node:crypto";
import {
  component,
  contentDigest,
  contentDigestMatches,
  covers,
  integerParam,
  parseSignature,
  SignatureError,
  signMessage,
  stringParam,
  verifyParsed,
  type ComponentId,
  type MessageView,
} from "./http-signature.js";

export const SIGNATURE_LABEL = "sig1";
export const SIGNATURE_ALG = "ed25519";

export const REQUEST_COMPONENTS: ComponentId[] = [
  component("@method"),
  component("@target-uri"),
  component("@authority"),
  component("content-digest"),
];
export const RESPONSE_COMPONENTS: ComponentId[] = [
  component("@status"),
  component("content-digest"),
  component("@method", { req: true }),
  component("@target-uri", { req: true }),
  component("signature", { req: true, key: SIGNATURE_LABEL }),
];

/** A node's signing key: Ed25519, with its key id (RFC 7638 JWK thumbprint). */
export interface NodeKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url of the raw 32-byte public key (the JWK `x`), as registered at the hub. */
  publicKeyX: string;
}

/** RFC 7638 thumbprint of an Ed25519 public key given by its JWK `x`. */
export function keyIdOf(publicKeyX: string): string {
  return createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${publicKeyX}"}`).digest("base64url");
}

/** The KeyObject for a registered base64url Ed25519 public key; throws on anything else. */
export function publicKeyFromX(publicKeyX: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(publicKeyX)) throw new Error("Ed25519 public key must be 32 bytes base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKeyX }, format: "jwk" });
}

export interface TimeWindow {
  /** How far `created` may lie from the receiver's clock, either way. */
  maxSkewSeconds: number;
  /** Longest accepted `expires - created`. */
  maxLifetimeSeconds: number;
}
export const DEFAULT_WINDOW: TimeWindow = { maxSkewSeconds: 120, maxLifetimeSeconds: 300 };

export interface OutgoingRequest {
  method: string;
  url: string;
  body: string;
}

/** Headers that sign an outgoing request; `nonce` is returned so the sender can log it. */
export function signRequest(
  key: NodeKey,
  request: OutgoingRequest,
  now: Date = new Date(),
  lifetimeSeconds = 60,
): { headers: Record<string, string>; nonce: string } {
  const created = Math.floor(now.getTime() / 1000);
  const nonce = randomBytes(18).toString("base64url");
  const headers: Record<string, string> = { "content-digest": contentDigest(request.body) };
  const view: MessageView = { method: request.method, targetUri: request.url, header: (n) => headers[n] };
  const params = new Map<string, string | number>([
    ["created", created],
    ["expires", created + lifetimeSeconds],
    ["nonce", nonce],
    ["keyid", key.keyId],
    ["alg", SIGNATURE_ALG],
  ]);
  const signed = signMessage(
    { label: SIGNATURE_LABEL, components: REQUEST_COMPONENTS, params, privateKey: key.privateKey },
    view,
  );
  headers["signature-input"] = signed.signatureInput;
  headers.signature = signed.signature;
  return { headers, nonce };
}

/** What a verified request proves. */
export interface VerifiedRequest {
  keyId: string;
  nonce: string;
  created: number;
  expires: number;
  /** The raw `Signature` header, which the response must cover. */
  signature: string;
}

/**
 * Whether the `@target-uri` a signature covers names `expected` (this node's own origin and the
 * path received): the same origin as WHATWG URL normalises it (scheme and host case, default port),
 * and the same path and query. `@authority` is derived from the target URI, so it is checked too.
 */
export function sameTarget(covered: string, expected: string): boolean {
  if (!URL.canParse(covered) || !URL.canParse(expected)) return false;
  const a = new URL(covered);
  const b = new URL(expected);
  return a.origin === b.origin && a.pathname === b.pathname && a.search === b.search;
}

/**
 * Checks a received request against the profile. Order matters: everything that needs no key is
 * checked first; the nonce is NOT checked here (the caller reserves it after this succeeds, so an
 * unsigned request cannot burn a nonce). Throws SignatureError with a stable code.
 *
 * `expectedTargetUri` is this node's own public origin plus the path received. A signature covers
 * `@target-uri` and `@authority`, but the receiver rebuilds both from the request's own Host
 * header: without this comparison a request signed for another hub (a conformance run elsewhere, a
 * staging hub) could be relayed here byte for byte and carried out. It is checked after the
 * signature, so `wrong_audience` only ever names a request the key really signed, and before the
 * caller reserves the nonce, so a misdirected copy burns nothing here.
 */
export async function verifyRequest(
  view: MessageView,
  body: Buffer | string,
  options: {
    resolveKey: (keyId: string) => Promise<KeyObject | null>;
    expectedTargetUri: string;
    now?: Date;
    window?: TimeWindow;
  },
): Promise<VerifiedRequest> {
  const parsed = parseSignature(view, SIGNATURE_LABEL);
  for (const c of REQUEST_COMPONENTS)
    if (!covers(parsed, c)) throw new SignatureError("signature_components_missing", "签名未覆盖必需的组件");
  const alg = stringParam(parsed.params, "alg");
  if (alg !== SIGNATURE_ALG) throw new SignatureError("signature_alg_unsupported", "签名算法须为 ed25519");
  const keyId = stringParam(parsed.params, "keyid");
  const nonce = stringParam(parsed.params, "nonce");
  const created = integerParam(parsed.params, "created");
  const expires = integerParam(parsed.params, "expires");
  if (!keyId || !nonce || created === undefined || expires === undefined)
    throw new SignatureError("signature_params_missing", "签名须带 created、expires、nonce 与 keyid");
  if (nonce.length < 16 || nonce.length > 128) throw new SignatureError("signature_params_missing", "nonce 长度不合法");
  checkWindow(created, expires, options.now ?? new Date(), options.window ?? DEFAULT_WINDOW);
  if (!contentDigestMatches(view.header("content-digest"), body))
    throw new SignatureError("content_digest_mismatch", "Content-Digest 与消息体不符");
  const key = await options.resolveKey(keyId);
  if (!key) throw new SignatureError("unknown_key", "未登记的节点密钥");
  verifyParsed(parsed, key, view);
  if (!sameTarget(view.targetUri ?? "", options.expectedTargetUri))
    throw new SignatureError("wrong_audience", "该请求签名时发往的不是本节点的地址");
  return { keyId, nonce, created, expires, signature: view.header("signature") ?? "" };
}

/**
 * How long a receiver must keep a used nonce: the longest span of moments at which one signature
 * passes checkWindow (created within the skew either way: 2 × skew; expiry plus the skew never
 * reaches further, see there), with the lifetime on top as margin. After it, the time check alone
 * refuses a replay.
 */
export function nonceKeepSeconds(window: TimeWindow): number {
  return window.maxSkewSeconds * 2 + window.maxLifetimeSeconds;
}

/**
 * The time checks. The skew is allowed on `expires` too (expires + skew ≥ now): `expires` is on
 * the sender's clock, which may run behind the receiver's by the documented skew; without it, a
 * province 61–120 s slow signing for 60 s was refused `signature_expired` although the documents
 * promised the skew. The window this leaves is bounded by `created` alone (created ≥ now − skew
 * implies expires + skew > now), so every accepted moment lies within 2 × skew of the first,
 * which the kept nonce covers (nonceKeepSeconds). Compared in milliseconds so the last accepted
 * moment is exactly expires + skew, not a second later.
 */
function checkWindow(created: number, expires: number, now: Date, window: TimeWindow): void {
  const nowMs = now.getTime();
  const skewMs = window.maxSkewSeconds * 1000;
  if (nowMs < created * 1000 - skewMs || nowMs > created * 1000 + skewMs)
    throw new SignatureError("clock_skew", "签名时间超出允许的时钟偏差");
  if (expires <= created || expires - created > window.maxLifetimeSeconds)
    throw new SignatureError("signature_params_missing", "签名有效期不合法");
  if (nowMs > expires * 1000 + skewMs) throw new SignatureError("signature_expired", "签名已过期");
}

/** Headers that sign a response to `request` (which must carry its own signature). */
export function signResponse(
  key: NodeKey,
  response: { status: number; body: string },
  request: MessageView,
  now: Date = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = { "content-digest": contentDigest(response.body) };
  const view: MessageView = { status: response.status, header: (n) => headers[n] };
  const params = new Map<string, string | number>([
    ["created", Math.floor(now.getTime() / 1000)],
    ["keyid", key.keyId],
    ["alg", SIGNATURE_ALG],
  ]);
  const signed = signMessage(
    { label: SIGNATURE_LABEL, components: RESPONSE_COMPONENTS, params, privateKey: key.privateKey },
    view,
    request,
  );
  headers["signature-input"] = signed.signatureInput;
  headers.signature = signed.signature;
  return headers;
}

/**
 * Checks a response: signed by `publicKey` (the peer's registered key), covering the profile's
 * components, with a matching digest. Throws SignatureError.
 */
export function verifyResponse(
  view: MessageView,
  body: Buffer | string,
  request: MessageView,
  publicKey: KeyObject,
  expectedKeyId: string,
): void {
  const parsed = parseSignature(view, SIGNATURE_LABEL);
  for (const c of RESPONSE_COMPONENTS)
    if (!covers(parsed, c)) throw new SignatureError("signature_components_missing", "应答签名未覆盖必需的组件");
  if (stringParam(parsed.params, "alg") !== SIGNATURE_ALG)
    throw new SignatureError("signature_alg_unsupported", "签名算法须为 ed25519");
  if (stringParam(parsed.params, "keyid") !== expectedKeyId)
    throw new SignatureError("unknown_key", "应答不是由预期的节点密钥签名");
  if (!contentDigestMatches(view.header("content-digest"), body))
    throw new SignatureError("content_digest_mismatch", "应答的 Content-Digest 与消息体不符");
  verifyParsed(parsed, publicKey, view, request);
}
