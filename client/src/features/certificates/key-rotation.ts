import { TrustListBody, type SignedDocument, type TrustListKey } from "@contracts/certificate-trust.js";
import { MAX_KEY_ROTATION_LEAD_HOURS } from "@contracts/certificates.js";
import { ownEntry } from "@contracts/own-entry.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { base64UrlToBytes } from "../../shared/file-bytes.js";

/**
 * The words of the signing keys page (签名密钥): what a key is doing now, what rotating one does,
 * and why a rotation was refused. Kept apart from the page so they are tested without a browser.
 */

/**
 * What rotating the certificate key does, read before it is confirmed (server/certificates/
 * key-rotation.ts): a rotation cannot be undone, and an admin who thinks it voids the certificates
 * already issued, or that the new key signs at once, would misjudge it. `leadHours` is the node's
 * lead (CERT_KEY_ROTATION_LEAD_HOURS, GET /api/certificates/keys/rotation): the new key is on the
 * trust list at once, so offline verifiers learn it before it signs. Throws RangeError for a lead
 * the configuration cannot hold rather than word a wrong period.
 */
export function rotationNote(leadHours: number): string {
  if (!Number.isInteger(leadHours) || leadHours < 0 || leadHours > MAX_KEY_ROTATION_LEAD_HOURS)
    throw new RangeError(`not a key rotation lead: ${leadHours}`);
  const start =
    leadHours === 0
      ? "本节点未设提前公告期：新密钥立即开始签发新证书（接入全国中心的，待全国中心收录新密钥后），当前密钥同时停止签发；离线验证方在更新信任列表之前可能无法验证新证书。"
      : `提前公告期为 ${leadHours} 小时：轮换后新密钥将于 ${leadHours} 小时后开始签发新证书，期间当前密钥继续签发，以便离线验证方先获取新密钥。`;
  return (
    `轮换将生成新的签名密钥，列入本省信任列表，并将公告至全国中心。${start}` +
    "已签发的证书不受影响：原密钥仍保留在信任列表中，其签发的证书仍可验证。" +
    "轮换用于密钥可能泄露、更换签名算法等情形，完成后不能撤回。"
  );
}

/** The rotation dialog's option for a leaked certificate key (POST …/keys/rotate `immediate: true`). */
export const IMMEDIATE_ROTATION_LABEL = "密钥已泄露，立即停用旧密钥";

/**
 * What the immediate rotation does (server key-rotation.ts `rotate` with `immediate`): no lead, the
 * old key (and one still waiting for its switch) ends now, and issuing through the hub waits until
 * the hub lists the new key (signing_key_not_at_hub) rather than sign on with a key a thief holds.
 */
export function immediateRotationNote(): string {
  return (
    "仅在签名密钥已泄露或疑似泄露时选用。确认后立即生成新的签名密钥并启用，不等待提前公告期；" +
    "旧密钥从此刻起停止签发，不再签发任何证书（尚未启用的待启用密钥也一并停用）。" +
    "接入全国中心的，新证书须待全国中心收录新密钥后才签发（通常几秒钟），在此之前的签发会被拒绝并提示稍后重试；" +
    "离线验证方在更新信任列表之前无法验证新证书。" +
    "旧密钥此前签发的证书不受影响，仍可验证。轮换完成后不能撤回。"
  );
}

/** The body of POST /api/certificates/keys/rotate; `immediate` only for the certificate key, which alone has a lead. */
export function rotateKeyBody(
  expectKid: string,
  purpose: "certificate" | "trust-list",
  options: { immediate?: boolean } = {},
): { purpose: "certificate" | "trust-list"; expectKid: string; immediate?: true } {
  return purpose === "certificate" && options.immediate === true
    ? { purpose, expectKid, immediate: true }
    : { purpose, expectKid };
}

/**
 * What the page says once the certificate key is rotated at once: the new key in use, and the keys
 * that stopped now (`endedKids`: the one signing and one waiting for its switch, as the page had
 * read them), so the admin can check none of them signs any more.
 */
export function immediateRotationResult(outcome: { kid: string; endedKids: readonly string[] }): string {
  const ended = outcome.endedKids.length
    ? `；原密钥 ${outcome.endedKids.join("、")} 已停止签发，自此刻起不再签发任何证书`
    : "";
  return (
    `已生成新的签名密钥 ${outcome.kid}，已立即启用${ended}。` +
    "接入全国中心的，待全国中心收录新密钥后（通常几秒钟）即用其签发新证书。" +
    "原密钥此前签发的证书仍可验证。新密钥已列入本省信任列表，并将公告至全国中心。"
  );
}

/** The certificate keys on the node's own trust list (its signed document's payload), oldest first. */
export function trustListKeys(doc: SignedDocument): TrustListKey[] {
  const json = new TextDecoder().decode(base64UrlToBytes(doc.payload));
  return TrustListBody.parse(JSON.parse(json)).keys;
}

/**
 * What a key does at `now` (epoch ms): announced and waiting to sign, replaced by a later rotation
 * before its switch came (its stop is already set), signing, or verifying only.
 */
export type KeyState = "pending" | "superseded" | "signing" | "ended";

export const KEY_STATE_LABELS: Readonly<Record<KeyState, string>> = {
  pending: "待启用",
  superseded: "已被替换（未启用）",
  signing: "签发中",
  ended: "已停止签发（仍可验证）",
};

export function keyState(key: Pick<TrustListKey, "validFrom" | "validTo">, now: number): KeyState {
  if (Date.parse(key.validFrom) > now) return key.validTo === null ? "pending" : "superseded";
  return key.validTo !== null && Date.parse(key.validTo) <= now ? "ended" : "signing";
}

/**
 * The key a rotation would end (server key-store.ts `openKeyOf`): the newest no rotation has ended,
 * which during a rotation's lead is the new key waiting for its switch, not the one signing. The
 * page names it in its confirmation and sends it (`expectKid`), so a page left open while another
 * admin rotated is refused instead of ending the key that rotation just made. Null: none.
 */
export function openKeyKid(keys: readonly Pick<TrustListKey, "kid" | "validTo">[]): string | null {
  return keys.filter((k) => k.validTo === null).at(-1)?.kid ?? null;
}

/** A failed rotation as the API layer reports it (ApiError): HTTP status (0: no answer), code, message. */
export interface RotationFailure {
  status: number;
  code: string;
  message: string;
}

/** The refusals the page words itself, by the server's stable code; others keep the server's message. */
const REFUSALS: Readonly<Record<string, string>> = {
  key_rotation_in_progress:
    "该签名密钥正由其他管理员或定时轮换进行，或刚已轮换，本次未轮换。请查看下方密钥列表，确有需要再重试。",
  key_changed_since_viewed:
    "您确认时看到的签名密钥已被更换（其他管理员或定时轮换已轮换过），本次未轮换。请查看下方刷新后的密钥列表，确有需要再重试。",
  province_level_only: "仅省级运管机构的系统管理员可以轮换签名密钥，本次未轮换。",
  forbidden: "您的账号无权轮换签名密钥，本次未轮换。",
};

/**
 * Why the rotation failed, in words. No answer, or a server failure, leaves it unknown whether the
 * key was rotated (the server may have rotated and failed after): the admin is told to look at the
 * key list before trying again, since a second rotation would end the key the first one made.
 */
export function rotationFailureMessage(failure: RotationFailure): string {
  const unknown = "请刷新页面查看密钥列表，确认未轮换后再重试。";
  if (failure.status === 0) return `无法连接服务器，不能确定本次是否已轮换。${unknown}`;
  if (failure.status >= 500) return `服务器出错，不能确定本次是否已轮换。${unknown}`;
  return ownEntry(REFUSALS, failure.code) ?? failure.message;
}

/** What the page says once a key is rotated; `leadHours`: the node's lead (null: not read). */
export interface RotationOutcome {
  kid: string;
  /** The key the rotation replaced (its audit entry's `previousKid`); null when not read. */
  previousKid: string | null;
  /** When the new key signs, in the node's words; null when the reloaded list does not show it yet. */
  switchAt: string | null;
  /** The key signing now, from the reloaded list; the replaced key by default. */
  signingKid?: string | null;
  leadHours: number | null;
}

/**
 * What the page says once the certificate key is rotated: the new key, from when it signs and the
 * key it replaces. When that key was itself still waiting for its switch (`signingKid`, the key
 * signing now, differs), it is named as replaced before it started, and the key signing now as the
 * one signing until then. With no lead (0) the new key signs at once and the replaced key stops
 * (key-rotation.ts on the server passes the lead): said so, never "after the lead".
 */
export function rotationResult(outcome: RotationOutcome): string {
  const { kid, previousKid, switchAt, leadHours } = outcome;
  const signingKid = outcome.signingKid === undefined ? previousKid : outcome.signingKid;
  const after = "原密钥签发的证书仍可验证。新密钥已列入本省信任列表，并将公告至全国中心。";
  if (leadHours === 0) {
    const stopped = previousKid ? `；原密钥 ${previousKid} 同时停止签发` : "";
    // Issuing through a hub waits until the hub lists the new key (signing_key_not_at_hub).
    return `已生成新的签名密钥 ${kid}，新密钥已立即启用${stopped}；接入全国中心的，待全国中心收录新密钥后即用其签发新证书。${after}`;
  }
  const from = switchAt
    ? `将于 ${switchAt} 起签发新证书`
    : leadHours !== null
      ? `将于轮换后 ${leadHours} 小时起签发新证书`
      : "将在提前公告期满后签发新证书";
  const signing = signingKid ? `，此前仍由原密钥 ${signingKid} 签发` : "";
  const before =
    previousKid && previousKid !== signingKid
      ? `${signing}；尚未启用的密钥 ${previousKid} 已被替换`
      : previousKid
        ? `，此前仍由原密钥 ${previousKid} 签发`
        : "";
  return `已生成新的签名密钥 ${kid}，${from}${before}。${after}`;
}

/**
 * What rotating the trust-list key does, read before it is confirmed (server signing.service.ts
 * `rotate`): the key that signs the node's trust list, not certificates. It has no lead: the new
 * key signs the list at once. The hub's national list carries certificate keys only, so it is not
 * announced there; a peer that pinned this node's anchor (CERT_PEER_ANCHORS) must add the new one.
 */
export function trustListRotationNote(): string {
  return (
    "轮换将生成新的信任列表签名密钥（用于签署本省信任列表，不用于签发证书），并列入本节点的信任锚。" +
    "信任列表签名密钥无提前公告期：新密钥立即开始签署信任列表，当前密钥同时停止签署，但仍保留为信任锚。" +
    "该密钥不公告至全国中心（全国中心的信任列表只收录证书签名密钥），外省经全国中心验证本省证书不受影响；" +
    "固定了本节点信任锚（CERT_PEER_ANCHORS）的对端节点须添加新密钥的公钥，否则在添加之前无法验证本省信任列表。" +
    "已签发的证书和证书签名密钥不受影响。轮换用于密钥可能泄露、更换签名算法等情形，完成后不能撤回。"
  );
}

/** What the page says once the trust-list key is rotated: the new key, in use at once, and the one it replaced. */
export function trustListRotationResult(kid: string, previousKid: string | null): string {
  const stopped = previousKid ? `；原密钥 ${previousKid} 同时停止签署，仍保留为信任锚` : "";
  return (
    `已生成新的信任列表签名密钥 ${kid}，已立即用于签署本省信任列表${stopped}。` +
    "该密钥不公告至全国中心；固定了本节点信任锚的对端节点须添加新密钥的公钥。"
  );
}
