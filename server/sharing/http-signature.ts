/**
 * The parts of RFC 9421 (HTTP Message Signatures) and RFC 9530 (Content-Digest) that inter-node
 * messages use, written here rather than taken from `http-message-signatures` because that library
 * computes no digest and keeps no nonces, and the `;req` response binding must be exact. Structured
 * field parsing and serialisation (RFC 8941) come from `structured-headers`, so the signature base
 * is built from the canonical serialisation the RFC prescribes, not from hand-made strings.
 *
 * Pure functions: no I/O, no clock (callers pass `now`).
 */
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
 * tsc types `structured-headers` (its dist/*.d.ts) here, but ESLint's project service sees its
 * re-exported types as error types on a fresh install; the values are checked by instanceof/Array.isArray
 * before use. Open: find why the two disagree and drop this line. */
import { createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  parseDictionary,
  serializeInnerList,
  serializeItem,
  type BareItem,
  type Dictionary,
  type Item,
  type Parameters,
} from "structured-headers";

/** What a signature base is resolved against: the message itself, and for `;req`, its request. */
export interface MessageView {
  method?: string;
  /** Absolute URI as the sender addressed it (`@target-uri`). */
  targetUri?: string;
  status?: number;
  /** Header value by lower-case name, or undefined. */
  header(name: string): string | undefined;
}

export type ComponentId = Item;

/** A component identifier such as `"@method"` or `"signature";req;key="sig1"`. */
export function component(name: string, params: Record<string, BareItem> = {}): ComponentId {
  return [name, new Map(Object.entries(params))];
}

export class SignatureError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SignatureError";
  }
}

/** RFC 9530 `Content-Digest` with sha-256 over the exact body bytes (an empty body too). */
export function contentDigest(body: Buffer | string): string {
  const digest = createHash("sha256").update(body).digest("base64");
  return `sha-256=:${digest}:`;
}

/**
 * True when the header carries a sha-256 member equal to the digest of `body`. Other algorithms
 * are ignored, never trusted: a sender that offers only md5 fails.
 */
export function contentDigestMatches(header: string | undefined, body: Buffer | string): boolean {
  if (!header) return false;
  let dict: Dictionary;
  try {
    dict = parseDictionary(header);
  } catch {
    return false;
  }
  const member = dict.get("sha-256");
  if (!member || Array.isArray(member[0])) return false;
  const value = member[0];
  if (!(value instanceof ArrayBuffer)) return false;
  const expected = createHash("sha256").update(body).digest();
  return Buffer.from(value).equals(expected);
}

/** The value a component resolves to in `message` (or in `request` when it carries `;req`). */
function componentValue(id: ComponentId, message: MessageView, request: MessageView | undefined): string {
  const [name, params] = id;
  if (typeof name !== "string") throw new SignatureError("signature_malformed", "签名组件名称不合法");
  const source = params.get("req") === true ? request : message;
  if (!source) throw new SignatureError("signature_malformed", `组件 ${name};req 没有对应的请求`);
  switch (name) {
    case "@method":
      if (!source.method) break;
      return source.method.toUpperCase();
    case "@target-uri":
      if (!source.targetUri) break;
      return source.targetUri;
    case "@authority":
      if (!source.targetUri) break;
      return new URL(source.targetUri).host.toLowerCase();
    case "@status":
      if (source.status === undefined) break;
      return String(source.status);
    default: {
      if (name.startsWith("@")) break;
      const raw = source.header(name);
      if (raw === undefined) break;
      const key = params.get("key");
      if (typeof key === "string") {
        // `"signature";req;key="sig1"`: one member of a dictionary field, re-serialised (RFC 9421 §2.1.2).
        const member = safeDictionary(raw).get(key);
        if (!member || Array.isArray(member[0])) break;
        return serializeItem(member as Item);
      }
      return raw.trim().replace(/\s*\n\s*/g, " ");
    }
  }
  throw new SignatureError("signature_components_missing", `消息中缺少签名组件 ${serializeItem(id)}`);
}

function safeDictionary(raw: string): Dictionary {
  try {
    return parseDictionary(raw);
  } catch {
    throw new SignatureError("signature_malformed", "签名头格式不合法");
  }
}

/** RFC 9421 §2.5: one line per covered component, then `@signature-params`. */
export function signatureBase(
  components: ComponentId[],
  params: Parameters,
  message: MessageView,
  request?: MessageView,
): string {
  const lines = components.map((c) => `${serializeItem(c)}: ${componentValue(c, message, request)}`);
  lines.push(`"@signature-params": ${serializeInnerList([components, params])}`);
  return lines.join("\n");
}

export interface SignOptions {
  label: string;
  components: ComponentId[];
  params: Parameters;
  privateKey: KeyObject;
}

/** Signs `message` with Ed25519; returns the `Signature-Input` and `Signature` header values. */
export function signMessage(
  options: SignOptions,
  message: MessageView,
  request?: MessageView,
): { signatureInput: string; signature: string } {
  const base = signatureBase(options.components, options.params, message, request);
  const sig = cryptoSign(null, Buffer.from(base, "utf8"), options.privateKey);
  return {
    signatureInput: `${options.label}=${serializeInnerList([options.components, options.params])}`,
    signature: `${options.label}=:${sig.toString("base64")}:`,
  };
}

/** A parsed signature of one label. */
export interface ParsedSignature {
  label: string;
  components: ComponentId[];
  params: Parameters;
  signature: Buffer;
}

/** Reads the signature `label` from a message's `Signature-Input` and `Signature` headers. */
export function parseSignature(message: MessageView, label: string): ParsedSignature {
  const input = message.header("signature-input");
  const sig = message.header("signature");
  if (!input || !sig) throw new SignatureError("signature_missing", "消息未签名 (缺少 Signature/Signature-Input)");
  const inputMember = safeDictionary(input).get(label);
  const sigMember = safeDictionary(sig).get(label);
  if (!inputMember || !sigMember) throw new SignatureError("signature_missing", `缺少签名 ${label}`);
  const [inner, params] = inputMember;
  if (!Array.isArray(inner)) throw new SignatureError("signature_malformed", "Signature-Input 须为内部列表");
  for (const c of inner) if (typeof c[0] !== "string") throw new SignatureError("signature_malformed", "签名组件须为字符串");
  const value = sigMember[0];
  if (!(value instanceof ArrayBuffer)) throw new SignatureError("signature_malformed", "Signature 须为字节序列");
  return { label, components: inner, params, signature: Buffer.from(value) };
}

/** Verifies a parsed Ed25519 signature over its base; throws `signature_invalid` when it does not hold. */
export function verifyParsed(
  parsed: ParsedSignature,
  publicKey: KeyObject,
  message: MessageView,
  request?: MessageView,
): void {
  const base = signatureBase(parsed.components, parsed.params, message, request);
  const ok = cryptoVerify(null, Buffer.from(base, "utf8"), publicKey, parsed.signature);
  if (!ok) throw new SignatureError("signature_invalid", "签名验证失败");
}

/** True when `parsed` covers `id` exactly (name and parameters). */
export function covers(parsed: ParsedSignature, id: ComponentId): boolean {
  const wanted = serializeItem(id);
  return parsed.components.some((c) => serializeItem(c) === wanted);
}

/** Reads a string or integer signature parameter. */
export function stringParam(params: Parameters, name: string): string | undefined {
  const v = params.get(name);
  return typeof v === "string" ? v : undefined;
}
export function integerParam(params: Parameters, name: string): number | undefined {
  const v = params.get(name);
  return typeof v === "number" && Number.isInteger(v) ? v : undefined;
}
