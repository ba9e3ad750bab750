import type {
  TrustListKey,
  TrustState,
  VerificationCode,
  VerificationResultDto,
  VerificationWarningCode,
} from "../../contracts/certificates.js";
import { CERTIFICATE_STATUS_LABELS } from "../../contracts/certificates.js";
import { openEnvelope } from "./envelope.js";
import { getStatusBits, hubCopyMaxLag, statusEntries, type LoadedStatusList } from "./status-list.js";
import { createVerifier, type Verifier } from "./suites.js";
import { trustState, type LoadedTrustList } from "./trust-list.js";
import { calendarDateText } from "../../contracts/calendar-text.js";
import { formatShown } from "../../lib/local-time.js";

/** A verifier's offline knowledge: verified trust lists and (optionally) status lists per province. */
export interface TrustContext {
  lists: readonly LoadedTrustList[];
  statusLists?: ReadonlyMap<string, LoadedStatusList>;
  /**
   * The zone times in verdict messages are written in (the node's TIME_ZONE, config.timeZone; no
   * default: a node in another zone must not date a verdict in China's). They are written as the
   * verify page prints its own (`formatShown`), as the page shows them verbatim.
   */
  timeZone: string;
}

/** Phone and PC clocks drift; times within this margin are not held against a certificate. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** The status of a certificate no current status list speaks for. */
const UNKNOWN_STATUS = { state: "unknown", asOf: null, source: "none" } as const;
const verifierCache = new Map<string, Verifier>();

function verifierFor(key: TrustListKey): Verifier {
  const id = `${key.suite}:${key.publicKey}`;
  let v = verifierCache.get(id);
  if (!v) {
    if (verifierCache.size > 1_000) verifierCache.clear();
    v = createVerifier(key.suite, key.publicKey);
    verifierCache.set(id, v);
  }
  return v;
}

function result(
  code: VerificationCode,
  message: string,
  extra: Partial<VerificationResultDto> = {},
): VerificationResultDto {
  return {
    ok: false,
    authentic: false,
    code,
    message,
    warnings: [],
    warningCodes: [],
    trust: null,
    claims: null,
    status: null,
    ...extra,
  };
}

/**
 * Verifies QR text offline: envelope, then a trusted key with that id (every key with the id is
 * tried, as in the EU DCC; of the lists holding it, a current one counts, see `preferred`), its
 * province and validity window, the trust list's freshness, the certificate's dates, and finally
 * the status list if one is known and unexpired (an expired one is no list), warning when it is
 * older than its ttl. Pure; never throws.
 */
export function verifyQrText(text: string, ctx: TrustContext, now: Date): VerificationResultDto {
  const opened = openEnvelope(text);
  if (!opened.ok) return result(opened.code, opened.message);
  const { claims } = opened;
  if (ctx.lists.length === 0) return result("no_trust_list", "没有可用的信任列表，无法验证", { claims });

  const candidates = ctx.lists.flatMap((list) =>
    list.body.keys
      .filter((k) => k.kid === claims.kid && k.suite === claims.suite)
      .map((key) => ({ key, list })),
  );
  if (candidates.length === 0)
    return result("unknown_issuer_key", `签发密钥 ${claims.kid} 不在信任列表中`, { claims });
  // The same key is usually on several lists (own, a peer's, the hub's): its signature is checked once.
  const checked = new Map<string, boolean>();
  const verified = candidates.filter(({ key }) => {
    const id = `${key.suite}:${key.publicKey}`;
    let ok = checked.get(id);
    if (ok === undefined) {
      ok = verifierFor(key).verify(opened.signedBytes, opened.signature);
      checked.set(id, ok);
    }
    return ok;
  });
  const match = preferred(verified, claims, now);
  if (!match) return result("signature_invalid", "签名无效：证书内容被篡改或不是由该密钥签发", { claims });

  const { trust } = match;
  const warnings: string[] = [];
  const warningCodes: VerificationWarningCode[] = [];
  const warn = (code: VerificationWarningCode, text: string) => {
    warningCodes.push(code);
    warnings.push(text);
  };
  if (trust.demo) warn("demo_trust_list", "演示信任列表：仅供演示，不能证明真实资格");
  if (match.key.provinceCode !== claims.provinceCode) {
    return result(
      "issuer_mismatch",
      `签名密钥属于 ${match.key.provinceCode}，证书却声称由 ${claims.provinceCode} 签发`,
      { claims, trust, warnings, warningCodes },
    );
  }
  if (!keyCoversIssue(match.key, claims.issuedAt)) {
    return result("key_not_valid_at_issue", "签发时间不在该密钥的有效期内", {
      claims,
      trust,
      warnings,
      warningCodes,
    });
  }
  if (trust.state === "expired") {
    return result(
      "trust_list_expired",
      `信任列表已于 ${formatShown(trust.validUntil, ctx.timeZone)} 过期，无法确认证书有效，请更新信任列表`,
      { claims, trust, warnings, warningCodes },
    );
  }
  if (trust.state === "stale")
    warn("trust_list_stale", `信任列表已 ${Math.floor(trust.ageSeconds / 3600)} 小时未更新，请尽快更新`);
  if (Date.parse(claims.issuedAt) > now.getTime() + CLOCK_SKEW_MS)
    warn("issued_in_future", "签发时间晚于本机时间，请检查本机时钟");

  const authentic = { authentic: true, claims, trust, warnings, warningCodes };
  const today = now.getTime();
  if (today + CLOCK_SKEW_MS < Date.parse(`${claims.validFrom}T00:00:00+08:00`)) {
    return result(
      "certificate_not_yet_valid",
      `证书自 ${calendarDateText(claims.validFrom)} 起有效`,
      authentic,
    );
  }
  // Valid through the whole last day, China Standard Time.
  if (today - CLOCK_SKEW_MS >= Date.parse(`${claims.validTo}T00:00:00+08:00`) + 86_400_000) {
    return result("certificate_expired", `证书已于 ${calendarDateText(claims.validTo)} 到期`, authentic);
  }
  const known = ctx.statusLists?.get(claims.provinceCode);
  // A list past its validUntil says nothing of today: one taken before a revocation still reads
  // valid, and a verifier handed an old file (or a cached copy) would call a revoked card valid.
  // A time that does not parse counts as expired.
  const expired = known !== undefined && !(Date.parse(known.body.validUntil) > now.getTime());
  const statusList = expired ? undefined : known;
  const state = statusList ? getStatusBits(statusList.bits, claims.statusIndex) : null;
  // A list covers every index its province had handed out when it was made (its length is the
  // capacity then, read after the certificates: signing.service), so an index past the end of a
  // list made after the certificate's issue was never handed out: a forged or malformed QR (a
  // leaked key, an issuer's bug), not a list this verifier lacks. A list made before the issue may
  // predate a capacity that grew since: it says nothing of this certificate. Within the clock skew
  // of the issue the two clocks cannot order them, so the warning says "may", not "before".
  if (!statusList || !state) {
    if (statusList) {
      if (Date.parse(statusList.body.generatedAt) >= Date.parse(claims.issuedAt) + CLOCK_SKEW_MS)
        return result(
          "status_index_out_of_range",
          `证书的状态位 ${claims.statusIndex} 超出发证省份状态列表的范围（${statusEntries(statusList.bits)} 位）：该状态位从未签发，可能是伪造或损坏的证书`,
          { claims, trust, warnings, warningCodes },
        );
      warn(
        "status_list_predates_certificate",
        `状态列表生成于 ${formatShown(statusList.body.generatedAt, ctx.timeZone)}，可能早于本证书签发，尚未包含其状态位：无法确认证书是否已被注销或吊销，请更新状态列表`,
      );
    } else if (expired)
      warn(
        "status_list_expired",
        `状态列表已于 ${formatShown(known.body.validUntil, ctx.timeZone)} 过期：无法确认证书是否已被注销或吊销，请更新状态列表`,
      );
    else warn("status_list_missing", "未获取到状态列表：无法确认证书是否已被注销或吊销");
    return {
      ...authentic,
      ok: true,
      code: "valid",
      message: "证书真实有效（状态未知）",
      status: UNKNOWN_STATUS,
    };
  }
  const status = { state, asOf: statusList.body.generatedAt, source: "status_list" as const };
  // Valid for a day but meant to be fetched again after its ttl (minutes): a copy much older than
  // that (a peer's last good one, the hub's while the province's pushes do not reach it) may
  // predate a revocation. Stale is not expired: its word still stands, said to be as of its
  // generation. The bound is the hub copy's lag (hubCopyMaxLag, 15 minutes), not the ttl: a quiet
  // province pushes only every ttl and the hub's copy is cached a minute more, so at the ttl its
  // current list read stale about a minute in five. A time that does not parse counts as stale.
  const staleAfter = hubCopyMaxLag(statusList.body.ttlMs);
  if (!(now.getTime() <= Date.parse(statusList.body.generatedAt) + staleAfter))
    warn(
      "status_list_stale",
      `状态列表未按时更新，状态截至 ${formatShown(statusList.body.generatedAt, ctx.timeZone)}：此后的注销、吊销可能尚未反映，如有疑问请向发证省份核实`,
    );
  if (state !== "valid") {
    return result(
      "status_not_valid",
      `证书已${CERTIFICATE_STATUS_LABELS[state]}（状态截至 ${formatShown(statusList.body.generatedAt, ctx.timeZone)}）`,
      { ...authentic, status },
    );
  }
  return { ...authentic, ok: true, code: "valid", message: "证书真实有效", status };
}

/**
 * Of the trusted lists whose key verified the signature, the one whose word counts. The verifier's
 * lists come in a fixed order (own, demo, peers, hub) and a peer's or the hub's copy is kept when
 * its refresh fails, so the first holder of a key may be a copy that ran out while another list
 * vouches for the same key today: an unexpired list comes first (only when none holds the key is
 * the answer trust_list_expired); then one that vouches for this certificate (the key is of the
 * claimed province and was in use at issue); then a fresh one before a stale one. Ties keep the
 * lists' order.
 */
function preferred(
  verified: { key: TrustListKey; list: LoadedTrustList }[],
  claims: { provinceCode: string; issuedAt: string },
  now: Date,
): { key: TrustListKey; list: LoadedTrustList; trust: TrustState } | null {
  let best: { key: TrustListKey; list: LoadedTrustList; trust: TrustState; rank: number } | null = null;
  for (const { key, list } of verified) {
    const trust = trustState(list, now);
    const vouches = key.provinceCode === claims.provinceCode && keyCoversIssue(key, claims.issuedAt);
    const rank = (trust.state === "expired" ? 4 : 0) + (vouches ? 0 : 2) + (trust.state === "stale" ? 1 : 0);
    if (!best || rank < best.rank) best = { key, list, trust, rank };
  }
  return best && { key: best.key, list: best.list, trust: best.trust };
}

/**
 * Whether `key` was in use at `issuedAt` (an ISO time), within the clock margin: what every
 * verifier asks of a certificate's key, and what the issuing node asks before it signs.
 */
export function keyCoversIssue(key: Pick<TrustListKey, "validFrom" | "validTo">, issuedAt: string): boolean {
  const issued = Date.parse(issuedAt);
  const from = Date.parse(key.validFrom);
  const to = key.validTo === null ? Infinity : Date.parse(key.validTo);
  // Written so that a time that does not parse (NaN, false in every comparison) refuses, not passes.
  return issued + CLOCK_SKEW_MS >= from && issued <= to + CLOCK_SKEW_MS;
}

/** For callers that show the list's age without verifying a certificate. */
export function trustStates(ctx: Pick<TrustContext, "lists">, now: Date): TrustState[] {
  return ctx.lists.map((l) => trustState(l, now));
}
