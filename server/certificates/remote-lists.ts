/**
 * Other nodes' lists, for this node's verifier: peers' trust and status lists, the hub's national
 * trust list and its copies of provinces' status lists, each fetched over HTTP and cached for a
 * minute. Kept apart from signing.service.ts, which keeps this node's own keys and lists: nothing
 * here signs or reads this node's database, and the signing service assembles both into its
 * verifier's trust context.
 *
 * No fetched list may take the place of an older-dated one: whoever answers the fetch (a plain-HTTP
 * path, a caching proxy, a lagging mirror) could otherwise serve an older list, still signed and
 * unexpired, in which a revoked certificate is valid or a retired key still open. The newest list
 * seen is kept per kind, source and province in this instance's memory, and its generation time as
 * a high-water mark in the database (list-marks.ts), read on first use: a restart, or another
 * instance, refuses what this one would. Lacking the newer list itself, it then has none from that
 * source (status unknown) rather than the older one.
 */
import type { TrustAnchor, TrustListKey } from "../contracts/certificates.js";
import { BodyTooLarge, boundedText } from "../lib/bounded-body.js";
import type { Logger } from "../lib/logger.js";
import { loadStatusList, type LoadedStatusList } from "./crypto/status-list.js";
import { loadTrustList, type LoadedTrustList } from "./crypto/trust-list.js";
import type { ListKind, ListMarks } from "./list-marks.js";

const PEER_REFRESH_MS = 60_000;
/** Clocks drift (verify-qr.ts allows the same margin). */
const CLOCK_MARGIN_MS = 10 * 60_000;

type Dated = { body: { generatedAt: string } };

/**
 * The most of a fetched list this node reads. A status list of a province of millions of holders is
 * well under a megabyte (two bits each, compressed) and a trust list a few kilobytes; the fetch's
 * deadline bounds only the time, in which a broken peer or a proxy could stream any amount.
 */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

/**
 * Fetches and caches peers' and the hub's lists (see the module header). `refreshMs`: how long a
 * fetched list is served from the cache (a minute; tests set 0 to fetch every time). `marks`: the
 * high-water marks shared by restarts and instances (list-marks.ts).
 */
export function createRemoteLists(opts: {
  logger: Logger;
  clock: () => Date;
  marks: ListMarks;
  refreshMs?: number;
}) {
  const { clock } = opts;
  const refreshMs = opts.refreshMs ?? PEER_REFRESH_MS;
  /** The newest verified list seen, by `peer:<province>`, `hub:<province>` or `hub:national`. */
  const newestTrust = new Map<string, LoadedTrustList>();
  const newestStatus = new Map<string, LoadedStatusList>();
  /**
   * The stored high-water mark (epoch ms) by `<kind>:<key>`, read once and raised with every list
   * taken: the fast path, so a fetch costs no read. Only lists dated within the clock margin raise
   * it (see `keepNewest`).
   */
  const marks = new Map<string, number | null>();

  async function markOf(kind: ListKind, key: string): Promise<number | null> {
    const id = `${kind}:${key}`;
    if (marks.has(id)) return marks.get(id) ?? null;
    try {
      const mark = await opts.marks.read(kind, key);
      marks.set(id, mark);
      return mark;
    } catch (err) {
      // Unread, the mark is asked again next time; meanwhile memory alone decides, as before.
      opts.logger.warn(
        { err, list: key },
        "newest-list mark unavailable: checked against this instance's lists only",
      );
      return null;
    }
  }

  async function raiseMark(kind: ListKind, key: string, generatedAt: number): Promise<void> {
    const id = `${kind}:${key}`;
    if ((marks.get(id) ?? -Infinity) >= generatedAt) return;
    marks.set(id, generatedAt);
    try {
      await opts.marks.raise(kind, key, new Date(generatedAt));
    } catch (err) {
      opts.logger.warn(
        { err, list: key },
        "newest-list mark not stored: a restart may accept an older list once",
      );
    }
  }

  /**
   * `fresh`, unless it was generated before the newest list already seen under `key` (by this
   * instance, or by any before a restart or beside it, through the stored mark): then the newer one
   * if this instance holds it, else null, and a warning. A list dated beyond this node's clock (its
   * signer's clock ran fast) holds nothing back, or that one list would pin the cache until it
   * expired: kept in memory it is ignored while ahead, and it never raises the stored mark.
   */
  async function keepNewest<T extends Dated>(
    kind: ListKind,
    seen: Map<string, T>,
    key: string,
    fresh: T,
  ): Promise<T | null> {
    const now = clock().getTime();
    const freshAt = Date.parse(fresh.body.generatedAt);
    const kept = seen.get(key);
    const keptAt = kept ? Date.parse(kept.body.generatedAt) : null;
    const mark = await markOf(kind, key);
    // Either may be ahead of this clock (a stored mark by an instance whose clock ran fast): ignored then.
    const inPast = (at: number | null) => (at !== null && at <= now + CLOCK_MARGIN_MS ? at : -Infinity);
    const newest = Math.max(inPast(keptAt), inPast(mark));
    if (newest > -Infinity && !(freshAt >= newest)) {
      opts.logger.warn(
        { list: key, generatedAt: fresh.body.generatedAt, keptGeneratedAt: new Date(newest).toISOString() },
        "older signed list refused: the newer one already seen is kept",
      );
      return kept ?? null;
    }
    seen.set(key, fresh);
    if (freshAt <= now + CLOCK_MARGIN_MS) await raiseMark(kind, key, freshAt);
    return fresh;
  }
  const peerCache = new Map<
    string,
    { at: number; list: LoadedTrustList | null; status: LoadedStatusList | null }
  >();

  /** The JSON at `url`; throws (as an unreachable list does) past MAX_LIST_BYTES, declared or read. */
  async function fetchJson(url: string): Promise<unknown> {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const text = await boundedText(res, MAX_LIST_BYTES).catch((err: unknown) => {
      throw err instanceof BodyTooLarge ? new Error(`${url}: ${err.message}`) : err;
    });
    return JSON.parse(text) as unknown;
  }

  /**
   * A peer's lists, refreshed at most every minute. A peer's anchor is never taken on its own word:
   * whoever answers its address (a plain-HTTP path, a proxy, DNS) could serve an anchor of its own
   * and sign certificates in the peer's name. So the trust list verifies only with the anchors
   * pinned for it (CERT_PEER_ANCHORS; a served anchor counts only if it is a pinned one, scoped to
   * the peer's province); with no pin, the peer supplies only its status list, checked with the
   * keys the hub's national list (`national`) holds for its province; with neither, nothing of the
   * peer is trusted. A failed refresh keeps the last good copy, which then ages into stale and
   * expired like any list.
   */
  async function peer(
    p: { provinceCode: string; url: string; anchorKeys?: readonly string[] },
    national: LoadedTrustList | null = null,
  ) {
    const cached = peerCache.get(p.url);
    if (cached && Date.now() - cached.at < refreshMs) return cached;
    const pinned = p.anchorKeys ?? [];
    try {
      const base = p.url.replace(/\/+$/, "");
      let list: LoadedTrustList | null = null;
      let keys: TrustListKey[];
      if (pinned.length > 0) {
        const anchorDoc = (await fetchJson(`${base}/api/certificates/trust-anchors`)) as {
          anchors?: TrustAnchor[];
        };
        const served = anchorDoc.anchors ?? [];
        const trusted = served
          .filter((a) => pinned.includes(a.publicKey))
          .map((a) => ({ ...a, provinces: [p.provinceCode] }));
        if (trusted.length < served.length)
          opts.logger.warn(
            { peer: p.url, refused: served.filter((a) => !pinned.includes(a.publicKey)).map((a) => a.kid) },
            "peer served trust anchors not pinned in CERT_PEER_ANCHORS: ignored",
          );
        const loaded = loadTrustList(await fetchJson(`${base}/api/certificates/trust-list`), trusted);
        if (!loaded.ok) opts.logger.warn({ peer: p.url, reason: loaded.reason }, "peer trust list refused");
        list = loaded.ok
          ? await keepNewest("trust", newestTrust, `peer:${p.provinceCode}`, loaded.list)
          : null;
        // Checked against the kept trust list's keys, not an older list's that may still hold a key since retired.
        keys = list?.body.keys ?? [];
      } else if (national) {
        keys = national.body.keys.filter((k) => k.provinceCode === p.provinceCode);
      } else {
        throw new Error("no anchor pinned for the peer (CERT_PEER_ANCHORS) and no national trust list");
      }
      const status =
        keys.length > 0
          ? loadStatusList(await fetchJson(`${base}/api/certificates/status-list`), keys)
          : null;
      const kept = status && (await keepNewest("status", newestStatus, `peer:${p.provinceCode}`, status));
      const entry = {
        at: Date.now(),
        list: list ?? cached?.list ?? null,
        status: kept ?? cached?.status ?? null,
      };
      peerCache.set(p.url, entry);
      return entry;
    } catch (err) {
      opts.logger.warn({ err, peer: p.url }, "certificate peer lists unavailable");
      const entry = { at: Date.now(), list: cached?.list ?? null, status: cached?.status ?? null };
      peerCache.set(p.url, entry);
      return entry;
    }
  }

  let hubCache: { at: number; list: LoadedTrustList | null } | null = null;
  /** The hub's copies of other provinces' status lists, for verification (not for issuing). */
  const hubStatusCache = new Map<string, { at: number; list: LoadedStatusList | null }>();

  /**
   * The hub's national trust list, refreshed at most every minute. Trust rests on the pinned hub
   * key alone: the anchor takes the document's own key id (a hint, as kids are) but verifies with
   * the pinned key, for every province. A failed refresh keeps the last good copy, which then ages
   * into stale and expired like any list.
   */
  async function hubList(hub: { url: string; publicKey: string }): Promise<LoadedTrustList | null> {
    if (hubCache && Date.now() - hubCache.at < refreshMs) return hubCache.list;
    try {
      const doc = await fetchJson(`${hub.url.replace(/\/+$/, "")}/api/hub/v1/trust-list`);
      const kid = (doc as { signer?: { kid?: unknown } } | null)?.signer?.kid;
      const anchor: TrustAnchor = {
        name: "全国中心",
        kid: typeof kid === "string" ? kid : "",
        suite: "ed25519",
        publicKey: hub.publicKey,
        provinces: "*",
      };
      const loaded = loadTrustList(doc, [anchor]);
      if (!loaded.ok) opts.logger.warn({ reason: loaded.reason }, "hub trust list refused");
      const kept = loaded.ok ? await keepNewest("trust", newestTrust, "hub:national", loaded.list) : null;
      hubCache = { at: Date.now(), list: kept ?? hubCache?.list ?? null };
    } catch (err) {
      opts.logger.warn({ err, hub: hub.url }, "hub trust list unavailable");
      hubCache = { at: Date.now(), list: hubCache?.list ?? null };
    }
    return hubCache.list;
  }

  /**
   * A province's status list as the hub holds it, read now and verified with the national trust
   * list's keys of that province; null when the hub has none, cannot be reached, or its copy does
   * not verify or has run out (its province stopped pushing). A copy older than one already seen
   * gives way to that one.
   */
  async function hubStatusList(
    hub: { url: string },
    national: LoadedTrustList,
    provinceCode: string,
  ): Promise<LoadedStatusList | null> {
    try {
      const doc = await fetchJson(`${hub.url.replace(/\/+$/, "")}/api/hub/v1/status-lists/${provinceCode}`);
      const keys = national.body.keys.filter((k) => k.provinceCode === provinceCode);
      const loaded = loadStatusList(doc, keys);
      const kept = loaded && (await keepNewest("status", newestStatus, `hub:${provinceCode}`, loaded));
      return kept && unexpired(kept);
    } catch (err) {
      opts.logger.warn({ err, provinceCode }, "status list of the province unavailable at the hub");
      return null;
    }
  }

  /** `hubStatusList`, read at most once a minute per province (a public page must not drive the hub). */
  async function recentHubStatusList(
    hub: { url: string },
    national: LoadedTrustList,
    provinceCode: string,
  ): Promise<LoadedStatusList | null> {
    const cached = hubStatusCache.get(provinceCode);
    if (cached && Date.now() - cached.at < refreshMs) return cached.list && unexpired(cached.list);
    const list = await hubStatusList(hub, national, provinceCode);
    // Keyed by provinces whose certificates verified: at most one entry per province on the trust list.
    hubStatusCache.set(provinceCode, { at: Date.now(), list });
    return list;
  }

  /** A list past its validUntil says nothing about today: its province stopped publishing. */
  function unexpired(list: LoadedStatusList): LoadedStatusList | null {
    return Date.parse(list.body.validUntil) > clock().getTime() ? list : null;
  }

  return { peer, hubList, hubStatusList, recentHubStatusList, unexpired };
}
