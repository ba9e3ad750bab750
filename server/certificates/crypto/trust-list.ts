import {
  SignedDocument,
  TrustListBody,
  type TrustAnchor,
  type TrustListKey,
  type TrustState,
} from "../../contracts/certificates.js";
import { openSignedDocument, signDocument } from "./signed-document.js";
import type { Signer } from "./suites.js";

/**
 * Trust lists: every issuer key (province, kid, suite, public key, valid from/to), signed by a trust
 * anchor. A province node signs its own list with its list-signing key today; when the hub compiles
 * the national list it signs with its own anchor (`provinces: "*"`) and verifiers only gain an anchor
 * entry — the list format and the verification code stay the same. An anchor may only vouch for the
 * provinces it is configured for, so one province's node cannot slip in keys for another.
 */
export interface BuildTrustListInput {
  issuer: string;
  keys: TrustListKey[];
  now: Date;
  /** How long the list may be used at all (after that verifiers refuse). */
  validForSeconds: number;
  /** How often verifiers should fetch a new one (after that they warn). */
  refreshSeconds: number;
}

export function buildTrustList(
  input: BuildTrustListInput,
  key: { kid: string; signer: Signer },
): SignedDocument {
  const body: TrustListBody = {
    format: "roadcert-trust-list/1",
    issuer: input.issuer,
    generatedAt: input.now.toISOString(),
    validUntil: new Date(input.now.getTime() + input.validForSeconds * 1000).toISOString(),
    refreshSeconds: input.refreshSeconds,
    keys: input.keys,
  };
  return signDocument(body, key);
}

export interface LoadedTrustList {
  body: TrustListBody;
  anchor: TrustAnchor;
  /** Keys outside the anchor's provinces, dropped. */
  droppedKeys: number;
}

export type TrustListLoad = { ok: true; list: LoadedTrustList } | { ok: false; reason: string };

/** Verifies a trust-list file against the anchors; never throws. Freshness is judged separately, at use. */
export function loadTrustList(file: unknown, anchors: readonly TrustAnchor[]): TrustListLoad {
  const doc = SignedDocument.safeParse(file);
  if (!doc.success) return { ok: false, reason: "信任列表文件格式不正确" };
  const candidates = anchors.filter(
    (a) => a.kid === doc.data.signer.kid && a.suite === doc.data.signer.suite,
  );
  if (candidates.length === 0)
    return { ok: false, reason: `信任列表的签名者 ${doc.data.signer.kid} 不是受信任的根` };
  for (const anchor of candidates) {
    const raw = openSignedDocument(doc.data, anchor);
    if (raw === null) continue;
    const body = TrustListBody.safeParse(raw);
    if (!body.success) return { ok: false, reason: "信任列表内容不合法" };
    const inScope = (k: TrustListKey) =>
      anchor.provinces === "*" || anchor.provinces.includes(k.provinceCode);
    const keys = body.data.keys.filter(inScope).map((k) => ({ ...k, demo: Boolean(k.demo || anchor.demo) }));
    return {
      ok: true,
      list: { body: { ...body.data, keys }, anchor, droppedKeys: body.data.keys.length - keys.length },
    };
  }
  return { ok: false, reason: "信任列表签名无效" };
}

/** fresh until the refresh interval has passed, stale (warn) until validUntil, expired (refuse) after. */
export function trustState(list: LoadedTrustList, now: Date): TrustState {
  const generated = Date.parse(list.body.generatedAt);
  const until = Date.parse(list.body.validUntil);
  const t = now.getTime();
  // Written so that a time that does not parse (NaN) reads as expired, never as fresh.
  const state = !(t < until)
    ? "expired"
    : !(t <= generated + list.body.refreshSeconds * 1000)
      ? "stale"
      : "fresh";
  return {
    state,
    issuer: list.body.issuer,
    generatedAt: list.body.generatedAt,
    validUntil: list.body.validUntil,
    ageSeconds: Math.max(0, Math.floor((t - generated) / 1000)),
    demo: Boolean(list.anchor.demo),
  };
}
