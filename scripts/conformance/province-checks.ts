/**
 * The province-side conformance checks: what a province node (ours or anyone's) must expose for the
 * hub and for verifiers — its node identity, its trust anchors, a trust list they sign, a status
 * list that list's keys sign — and, given the hub, that the hub holds the same keys on the national
 * trust list and a current copy of the status list. Each check says pass or fail with the reason.
 */
import {
  hubCopyMaxLag,
  loadTrustList,
  openStatusList,
  type StatusListRefusal,
} from "../../server/certificates/index.js";
import {
  TrustAnchorsFile,
  TrustListBody,
  type StatusListBody,
  type TrustListKey,
} from "../../server/contracts/certificates.js";
import {
  MAX_INFLATED_BYTES,
  MIN_STATUS_ENTRIES,
  type DecodedStatusList,
} from "../../server/lib/bitstring-status-list.js";
import { keyIdOf, publicKeyFromX } from "../../server/sharing/index.js";
import type { CheckResult } from "./hub-checks.js";

class CheckFailed extends Error {}
function must(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckFailed(reason);
}

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body };
}

function maxAge(headers: Headers): number | null {
  const m = /max-age=(\d+)/.exec(headers.get("cache-control") ?? "");
  return m ? Number(m[1]) : null;
}

/** Why a bitstring is no status list, in the kit's words. */
function bitsProblem(decoded: Extract<DecodedStatusList, { ok: false }>): string {
  switch (decoded.problem) {
    case "bad_status_size":
      return "the list's statusSize is not a whole number of bits from 1 to 8";
    case "not_multibase":
      return "the bitstring is not multibase base64url (u prefix, URL-safe alphabet, no padding)";
    case "not_gzip":
      return "the bitstring is not GZIP-compressed";
    case "too_large":
      return `the bitstring inflates beyond the kit's bound (${MAX_INFLATED_BYTES / 1024 / 1024} MiB)`;
    case "partial_entry":
      return `the bitstring's ${(decoded.bytes ?? 0) * 8} bits are not a whole number of 2-bit entries`;
    case "too_few_entries":
      return `the bitstring holds ${decoded.entries ?? 0} entries, fewer than ${MIN_STATUS_ENTRIES}`;
  }
}

/** Why a status list was not opened, in the kit's words: the step that failed. */
function refusalReason(r: StatusListRefusal): string {
  switch (r.step) {
    case "document":
      return "the status list is not a roadcert-signed/1 document";
    case "unknown_key":
      return `the status list is signed by ${r.kid} (${r.suite}), not a key on the trust list`;
    case "signature":
      return "the status list's signature does not verify with the province's trust-list keys";
    case "body":
      return "the signed body is not roadcert-status-list/1";
    case "province":
      return `the list is for ${r.provinceCode}, signed by a key of ${r.keyProvince}`;
    case "key_retired":
      return `the status list is dated ${r.generatedAt}, after its signing key ${r.kid} was retired (${r.validTo})`;
    case "bits":
      return bitsProblem(r.decoded);
  }
}

interface OpenedList {
  body: StatusListBody;
  entries: number;
}

/**
 * A status list opened as every verifier opens it (the certificates feature's openStatusList, over
 * the shared bitstring module), one step at a time, so a failure names its step: the envelope, the
 * signature against the trust list's keys, the body's format, the key's province and retirement,
 * then the bitstring.
 */
function openList(file: unknown, keys: readonly TrustListKey[]): OpenedList {
  const opened = openStatusList(file, keys);
  must(opened.ok, opened.ok ? "" : refusalReason(opened.refusal));
  return { body: opened.list.body, entries: opened.entries };
}

/** How the national list's dates of a key fail to cover the province's own (none when they do). */
function datesNotCovered(own: TrustListKey, national: TrustListKey): string[] {
  const gaps: string[] = [];
  if (Date.parse(national.validFrom) > Date.parse(own.validFrom))
    gaps.push(`${own.kid} from ${national.validFrom} there, from ${own.validFrom} at the province`);
  if (national.validTo !== null && (own.validTo === null || Date.parse(national.validTo) < Date.parse(own.validTo)))
    gaps.push(`${own.kid} until ${national.validTo} there, until ${own.validTo ?? "open"} at the province`);
  return gaps;
}

/** The hub's Ed25519 public key (base64url x) as its identity publishes it. */
async function hubIdentityKey(hub: string): Promise<string> {
  const r = await getJson(`${hub}/api/hub/v1/identity`);
  const publicKey = (r.body as { publicKey?: unknown } | null)?.publicKey;
  must(r.status === 200 && typeof publicKey === "string", `the hub's identity answered ${r.status} without a public key`);
  return publicKey;
}

export async function runProvinceChecks(options: {
  provinceUrl: string;
  hubUrl?: string;
  /** The hub's pinned node key (base64url x, HUB_PUBLIC_KEY); else its published identity's. */
  hubPublicKey?: string;
  now?: Date;
}): Promise<CheckResult[]> {
  const base = options.provinceUrl.replace(/\/+$/, "");
  const now = options.now ?? new Date();
  const results: CheckResult[] = [];
  let provinceCode = "";
  let trustKeys: TrustListKey[] = [];
  let status: OpenedList | null = null;

  async function check(id: string, title: string, run: () => Promise<string>): Promise<void> {
    try {
      results.push({ id, title, ok: true, reason: await run() });
    } catch (err) {
      results.push({ id, title, ok: false, reason: err instanceof Error ? err.message : String(err) });
    }
  }

  await check("P01", "the node publishes its Ed25519 node key and province code", async () => {
    const r = await getJson(`${base}/api/sharing/identity`);
    must(r.status === 200, `GET /api/sharing/identity answered ${r.status}`);
    const body = r.body as { keyId?: unknown; publicKey?: unknown; alg?: unknown; provinceCode?: unknown };
    must(body.alg === "ed25519", "alg is not ed25519");
    must(typeof body.publicKey === "string" && /^[A-Za-z0-9_-]{43}$/.test(body.publicKey), "publicKey is not a base64url 32-byte key");
    publicKeyFromX(body.publicKey);
    must(body.keyId === keyIdOf(body.publicKey), "keyId is not the RFC 7638 thumbprint of publicKey");
    must(typeof body.provinceCode === "string" && /^[1-9]\d0000$/.test(body.provinceCode), "provinceCode is not a GB/T 2260 province code");
    provinceCode = body.provinceCode;
    return `province ${provinceCode}, key ${body.keyId}`;
  });

  await check("P02", "its trust list is signed by one of its trust anchors and names only its own keys", async () => {
    const anchors = TrustAnchorsFile.safeParse((await getJson(`${base}/api/certificates/trust-anchors`)).body);
    must(anchors.success, "GET /api/certificates/trust-anchors is not roadcert-trust-anchors/1");
    // An anchor may vouch only for its own province, whatever it claims.
    const scoped = anchors.data.anchors.map((a) => ({ ...a, provinces: [provinceCode] }));
    const r = await getJson(`${base}/api/certificates/trust-list`);
    must(r.status === 200, `GET /api/certificates/trust-list answered ${r.status}`);
    const loaded = loadTrustList(r.body, scoped);
    must(loaded.ok, loaded.ok ? "" : `trust list refused: ${loaded.reason}`);
    must(loaded.list.droppedKeys === 0, `${loaded.list.droppedKeys} keys of other provinces on the list`);
    const body = TrustListBody.parse(loaded.list.body);
    must(new Date(body.generatedAt) <= new Date(now.getTime() + 120_000), "generatedAt lies in the future");
    must(new Date(body.validUntil) > now, "the trust list has expired");
    // In force now (its window covers now), not merely open: an open key that starts tomorrow signs
    // nothing today, and a current key with its end already scheduled (a rotation ahead) still signs.
    const inForce = (k: TrustListKey) =>
      Date.parse(k.validFrom) <= now.getTime() && (k.validTo === null || Date.parse(k.validTo) > now.getTime());
    must(body.keys.some(inForce), "no certificate key on the list is in force now (validFrom ≤ now < validTo)");
    trustKeys = body.keys.filter((k) => !k.demo);
    return `${body.keys.length} key(s), valid until ${body.validUntil}`;
  });

  await check("P03", "its status list verifies with its trust list's keys and covers at least 131,072 entries", async () => {
    const r = await getJson(`${base}/api/certificates/status-list`);
    must(r.status === 200, `GET /api/certificates/status-list answered ${r.status}`);
    const opened = openList(r.body, trustKeys);
    must(opened.body.provinceCode === provinceCode, `the list is for ${opened.body.provinceCode}`);
    must(new Date(opened.body.validUntil) > now, "the status list has expired");
    status = opened;
    return `generated ${opened.body.generatedAt}, ${opened.entries} entries, ttl ${opened.body.ttlMs} ms`;
  });

  await check("P04", "the status list's cache headers match its ttl", async () => {
    must(status, "no status list (P03)");
    const r = await getJson(`${base}/api/certificates/status-list`);
    const age = maxAge(r.headers);
    must(age !== null, "no Cache-Control max-age");
    must(age * 1000 <= status.body.ttlMs, `max-age ${age} s is longer than the ttl ${status.body.ttlMs} ms`);
    return `max-age ${age} s`;
  });

  if (options.hubUrl) {
    const hub = options.hubUrl.replace(/\/+$/, "");
    await check("P05", "the hub's national trust list, signed by the hub's key, carries every current key of the province, dated to cover the province's own dates", async () => {
      const r = await getJson(`${hub}/api/hub/v1/trust-list`);
      must(r.status === 200, `the hub's trust list answered ${r.status}`);
      // Verified as a province verifies it (certificates' remote lists): with the hub's key, pinned
      // by the caller or else the hub's published identity. Its payload was read unverified, so a
      // list signed by anyone (or by nobody) passed.
      const hubKey = options.hubPublicKey ?? (await hubIdentityKey(hub));
      const kid = (r.body as { signer?: { kid?: unknown } } | null)?.signer?.kid;
      const loaded = loadTrustList(r.body, [
        { name: "全国中心", kid: typeof kid === "string" ? kid : "", suite: "ed25519", publicKey: hubKey, provinces: "*" },
      ]);
      // Without the province's code and keys (P01, P02 failed) there is nothing to compare: passing
      // then said the hub carried every key of a province the kit never read.
      must(provinceCode && trustKeys.length > 0, "no province code or certificate keys to look for (P01/P02 failed)");
      must(loaded.ok, `the hub's trust list refused with the hub's key: ${loaded.ok ? "" : loaded.reason}`);
      const body = loaded.list.body;
      const national = new Map(body.keys.filter((k) => k.provinceCode === provinceCode).map((k) => [`${k.kid}:${k.publicKey}`, k]));
      // Every key the province may still sign with: open, or ending later (a scheduled rotation).
      const stillSigning = (k: TrustListKey) => k.validTo === null || Date.parse(k.validTo) > now.getTime();
      const missing = trustKeys.filter((k) => stillSigning(k) && !national.has(`${k.kid}:${k.publicKey}`));
      must(missing.length === 0, `not on the national list: ${missing.map((k) => k.kid).join(", ")}`);
      // A verifier with only the national list refuses what a key signed outside the national dates
      // (key_not_valid_at_issue), so they must cover the province's (a day on the hub's list is UTC midnight).
      const narrower = trustKeys.flatMap((own) => {
        const there = national.get(`${own.kid}:${own.publicKey}`);
        return there ? datesNotCovered(own, there) : [];
      });
      must(narrower.length === 0, `the national list dates keys narrower than the province: ${narrower.join("; ")}`);
      return `${national.size} key(s) of ${provinceCode} on the national list, their dates covering the province's`;
    });
    await check("P06", "the hub serves the province's status list, signed by the province, no older than a ttl behind", async () => {
      must(status, "no status list (P03)");
      const r = await getJson(`${hub}/api/hub/v1/status-lists/${provinceCode}`);
      must(r.status === 200, `GET /api/hub/v1/status-lists/${provinceCode} answered ${r.status}`);
      let atHub: OpenedList;
      try {
        atHub = openList(r.body, trustKeys);
      } catch (err) {
        throw new CheckFailed(`the hub's copy: ${err instanceof Error ? err.message : String(err)}`);
      }
      const lag = new Date(status.body.generatedAt).getTime() - new Date(atHub.body.generatedAt).getTime();
      must(lag <= hubCopyMaxLag(atHub.body.ttlMs), `the hub's copy is ${Math.round(lag / 1000)} s older than the province's`);
      return `hub copy generated ${atHub.body.generatedAt}`;
    });
  }
  return results;
}
