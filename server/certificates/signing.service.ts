import type { Connection } from "mongoose";
import type {
  CertificateRecord,
  SignatureSuite,
  SignedDocument,
  TrustAnchor,
  TrustListKey,
} from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import {
  certificateModel,
  keyRegistryModel,
  statusCapacityModel,
  statusSlotModel,
} from "./certificate.model.js";
import { listMarksOn } from "./list-marks.js";
import { createRemoteLists } from "./remote-lists.js";
import { openKeyStore, refuseSecondKeySet, type ActiveKey, type KeyStore } from "./crypto/key-store.js";
import { canonicalJson } from "./crypto/signed-document.js";
import {
  buildStatusList,
  emptyStatusBits,
  loadStatusList,
  setStatusBits,
  type LoadedStatusList,
} from "./crypto/status-list.js";
import {
  readAnchorsFile,
  readTrustLists,
  DEMO_ANCHORS_FILE,
  DEMO_TRUST_LIST_FILE,
} from "./crypto/trust-files.js";
import { buildTrustList, loadTrustList, type LoadedTrustList } from "./crypto/trust-list.js";
import { keyCoversIssue, type TrustContext } from "./crypto/verify-qr.js";
import { formatShown } from "../lib/local-time.js";
import { createHubKeys } from "./hub-keys.js";
import { registerKeys, warnOnSuiteChange } from "./key-registry.js";
import { databaseTime } from "../lib/mongo.js";

export interface SigningOptions {
  provinceCode: string;
  suite: SignatureSuite;
  keysDir: string;
  /** Trust the committed demo list (province 990000) too; never in production. */
  trustDemo: boolean;
  /**
   * Other nodes whose trust and status lists this node fetches, each bound to its province, with
   * the anchor keys pinned for it (CERT_PEER_ANCHORS); unpinned, only the hub's list vouches for it.
   */
  peers: readonly { provinceCode: string; url: string; anchorKeys?: readonly string[] }[];
  /**
   * The national hub and its pinned Ed25519 key (HUB_URL, HUB_PUBLIC_KEY): its trust list carries
   * every province's certificate keys, so a certificate from anywhere verifies here.
   */
  hub?: { url: string; publicKey: string } | null;
  /**
   * How long after a rotation the new certificate key starts signing (CERT_KEY_ROTATION_LEAD_HOURS):
   * meanwhile it is on this node's trust list and announced to the hub, so every verifier has it
   * before the first certificate it seals. 0: at once.
   */
  rotationLeadMs?: number;
  /** Production: start refuses to make keys in an empty folder when the province has some (key-store.ts). */
  requireSharedKeys?: boolean;
  logger: Logger;
  clock?: () => Date;
  /** The node's zone (TIME_ZONE): its refusals' times and its verifier's verdicts are written in it. */
  timeZone: string;
}

/** How long the node's own lists may be used, and how often verifiers should refresh them. */
const TRUST_LIST_VALID_S = 7 * 86_400;
const TRUST_LIST_REFRESH_S = 86_400;
const STATUS_LIST_VALID_S = 86_400;
/** Lists are rebuilt at most this often; the generation time shown to verifiers says how old they are. */
const CACHE_MS = 5_000;

/**
 * The node's keys and lists: signs records and QR payloads with its current certificate key,
 * publishes its trust list (keys of every instance of this node, from the key registry) and its
 * status list, and assembles what its verifier trusts (own list, peers', the demo list).
 */
export function createSigningService(conn: Connection, opts: SigningOptions) {
  const clock = opts.clock ?? (() => new Date());
  const Registry = keyRegistryModel(conn);
  const Certificates = certificateModel(conn);
  const Slots = statusSlotModel(conn);
  const Capacity = statusCapacityModel(conn);
  let store: KeyStore | null = null;
  let trustCache: { at: number; doc: SignedDocument; loaded: LoadedTrustList } | null = null;
  let statusCache: { at: number; doc: SignedDocument; loaded: LoadedStatusList } | null = null;
  /**
   * Bumped whenever the cached status list is forgotten (a status change, a rotation): a build that
   * started before keeps its list out of the cache, as it may lack the change (it read the
   * certificates before it committed), and would be served for CACHE_MS after the change.
   */
  let statusGeneration = 0;
  const hubKeys = createHubKeys(conn, opts.provinceCode);
  const remote = createRemoteLists({ logger: opts.logger, clock, marks: listMarksOn(conn) });
  const demo = opts.trustDemo
    ? readTrustLists([DEMO_TRUST_LIST_FILE], readAnchorsFile(DEMO_ANCHORS_FILE)).lists
    : [];

  function keys(): KeyStore {
    store ??= openKeyStore(opts.keysDir, opts.suite, clock);
    return store;
  }

  /** Registers the key file's keys (a key's registered end never moves later: key-registry.ts). */
  async function register(): Promise<void> {
    await registerKeys(Registry, opts.provinceCode, keys().all());
    trustCache = null;
  }

  async function anchors(): Promise<TrustAnchor[]> {
    const rows = await Registry.find({ provinceCode: opts.provinceCode, purpose: "trust-list" }).lean();
    return rows.map((r) => ({
      name: `province ${opts.provinceCode} node`,
      kid: r.kid,
      suite: r.suite as SignatureSuite,
      publicKey: r.publicKey,
      provinces: [opts.provinceCode],
    }));
  }

  /**
   * Registers the key file's keys when any is missing from the registry, as `sealingKey` does for
   * its key: a rotation whose registration failed after the key file changed (a database blip)
   * left the active trust-list or certificate key unregistered, and every list this node built
   * failed its own verification (500s on every instance) until a restart registered it.
   */
  async function registerMissing(): Promise<void> {
    const kids = keys()
      .all()
      .map((k) => k.kid);
    if ((await Registry.countDocuments({ kid: { $in: kids } })) < kids.length) await register();
  }

  function forgetStatus(): void {
    statusCache = null;
    statusGeneration += 1;
  }

  async function ownTrustList(): Promise<{ doc: SignedDocument; loaded: LoadedTrustList }> {
    if (trustCache && Date.now() - trustCache.at < CACHE_MS) return trustCache;
    await registerMissing();
    const rows = await Registry.find({ provinceCode: opts.provinceCode, purpose: "certificate" })
      .sort({ validFrom: 1 })
      .lean();
    const entries: TrustListKey[] = rows.map((r) => ({
      provinceCode: r.provinceCode,
      kid: r.kid,
      suite: r.suite as SignatureSuite,
      publicKey: r.publicKey,
      validFrom: r.validFrom,
      validTo: r.validTo ?? null,
    }));
    const doc = buildTrustList(
      {
        issuer: `province:${opts.provinceCode}`,
        keys: entries,
        now: clock(),
        validForSeconds: TRUST_LIST_VALID_S,
        refreshSeconds: TRUST_LIST_REFRESH_S,
      },
      keys().active("trust-list"),
    );
    const loaded = loadTrustList(doc, await anchors());
    if (!loaded.ok) throw new Error(`own trust list does not verify: ${loaded.reason}`);
    trustCache = { at: Date.now(), doc, loaded: loaded.list };
    return trustCache;
  }

  async function ownStatusList(): Promise<{ doc: SignedDocument; loaded: LoadedStatusList }> {
    if (statusCache && Date.now() - statusCache.at < CACHE_MS) return statusCache;
    const generation = statusGeneration;
    await registerMissing();
    // Dated by the database's clock, read before the registry: the hub keeps the list with the
    // latest date, so dates must order what the lists saw. Each instance's own clock did not (one
    // a few seconds ahead built a list before a revocation and dated it after the list that
    // carried it, and the hub dropped the revocation). A test's injected clock still rules.
    const now = opts.clock ? opts.clock() : await databaseTime(conn);
    const rows = await Certificates.find(
      { provinceCode: opts.provinceCode, status: { $ne: "valid" } },
      { statusIndex: 1, status: 1 },
    ).lean();
    // Indexes a certificate left (a reissue, a transfer back): the earlier card carries them, so
    // they keep the status their version ended with (record.ts, createStatusSlots).
    const retired = await Slots.find({ retired: true }, { statusIndex: 1, retiredStatus: 1 }).lean();
    const ended = [
      ...rows.map((r) => ({ index: r.statusIndex, status: r.status })),
      ...retired.map((r) => ({ index: r.statusIndex, status: r.retiredStatus ?? ("cancelled" as const) })),
    ];
    // As many entries as the province's capacity (read after the rows: it only grows, so every
    // index drawn before them is below it), and never fewer than any index set.
    const capacity = (await Capacity.findOne({ provinceCode: opts.provinceCode }).lean())?.capacity ?? 0;
    const bits = emptyStatusBits(ended.reduce((n, e) => Math.max(n, e.index + 1), capacity));
    for (const e of ended) setStatusBits(bits, e.index, e.status);
    // Signed by the key in use at the list's date (the database's time), not at this instance's
    // clock: an instance behind the database, near a certificate key's switch, signed with the old
    // key a list dated after that key's end, which no verifier (this node's too) accepts.
    const doc = buildStatusList(
      { provinceCode: opts.provinceCode, bits, now, validForSeconds: STATUS_LIST_VALID_S },
      keys().activeAt("certificate", now),
    );
    const loaded = loadStatusList(doc, (await ownTrustList()).loaded.body.keys);
    if (!loaded) throw new Error("own status list does not verify");
    const built = { at: Date.now(), doc, loaded };
    // Forgotten meanwhile: a change committed during this build may be missing from it.
    if (generation === statusGeneration) statusCache = built;
    return built;
  }

  return {
    /** Opens (first start: generates) the keys, registers their public parts, warns of a suite change. */
    async start(): Promise<void> {
      const mine = { provinceCode: opts.provinceCode };
      if (opts.requireSharedKeys && !store)
        await refuseSecondKeySet(opts.keysDir, () => Registry.exists(mine));
      await register();
      warnOnSuiteChange(keys(), opts.suite, opts.logger);
    },
    /**
     * The current certificate key for a QR payload issued at `issuedAt`, refused when the key was
     * not yet in use then: every verifier (this node's too) would answer such a certificate
     * `key_not_valid_at_issue`, so signing it would hand out a certificate that looks issued and
     * never verifies. It happens when the issuing clock is behind the key's making (a clock set
     * back, an instance whose clock lags the one that rotated the key, a back-dated demo history).
     */
    async sealingKey(issuedAt: string): Promise<ActiveKey> {
      const active = keys().active("certificate");
      if (!keyCoversIssue(active.key, issuedAt)) {
        // Written as the officer's pages write times, so the message reads like the screen around it.
        throw errors.conflict(
          "signing_key_not_valid_at_issue",
          `签发时间 ${formatShown(issuedAt, opts.timeZone)} 早于本节点当前签名密钥的启用时间 ${formatShown(active.key.validFrom, opts.timeZone)}，签出的证书将无法通过核验，已拒绝签发；请检查服务器时钟`,
          { kid: active.kid, keyValidFrom: active.key.validFrom, issuedAt },
        );
      }
      // Verifiers read the key registry (this node's trust list), not this instance's key file: an
      // instance whose keys directory is not the others' (it must be shared) would sign with a key
      // the registry shows closed, or never registered, and every such certificate would fail.
      const registered = () =>
        Registry.findOne({ kid: active.kid }, { validFrom: 1, validTo: 1, hub: 1 }).lean();
      let listed = await registered();
      if (!listed) {
        await register();
        listed = await registered();
      }
      if (
        !listed ||
        !keyCoversIssue({ validFrom: listed.validFrom, validTo: listed.validTo ?? null }, issuedAt)
      )
        throw errors.conflict(
          "signing_key_closed",
          `本节点当前签名密钥 ${active.kid} 在密钥登记中已停用或未登记，签出的证书将无法通过核验，已拒绝签发；请确认各实例共用同一密钥目录`,
          { kid: active.kid, registeredValidTo: listed?.validTo ?? null, issuedAt },
        );
      // Other provinces verify through the hub's list alone (hub-keys.ts); with no hub there is none.
      if (opts.hub) hubKeys.assertListed(active.kid, listed.hub ?? null, issuedAt);
      return active;
    },
    /**
     * Closes the current key (it stays on the trust list) and adds a new one. A certificate key
     * switches after the configured lead, while the push announces it to the hub; a trust-list key
     * at once (a peer that pins this node's anchor, CERT_PEER_ANCHORS, must add the new one). `leadMs`
     * overrides the lead; `expectOpen` refuses (`key_rotated_meanwhile`) when that key is no longer
     * the one in use. Audited and run once across instances by key-rotation.ts, which calls this.
     */
    async rotate(
      purpose: "certificate" | "trust-list" = "certificate",
      options: { expectOpen?: string; leadMs?: number } = {},
    ): Promise<string> {
      const leadMs = options.leadMs ?? (purpose === "certificate" ? (opts.rotationLeadMs ?? 0) : 0);
      // The configured suite (CERT_SUITE), not the ended key's: a suite change is a rotation.
      const next = await keys().rotate(purpose, {
        suite: opts.suite,
        leadMs,
        ...(options.expectOpen !== undefined ? { expectOpen: options.expectOpen } : {}),
      });
      await register();
      forgetStatus();
      if (purpose === "certificate") hubKeys.wake();
      return next.kid;
    },
    /** When the key `kid` starts signing (its switch, for a key a rotation made); null: no such key. */
    validFromOf(kid: string): string | null {
      return (
        keys()
          .all()
          .find((k) => k.kid === kid)?.validFrom ?? null
      );
    },
    /**
     * The open key of `purpose` (key-store.ts `openKeyOf`: the newest no rotation has ended, which
     * may still wait for its switch), public parts only; null: none.
     */
    openKey(purpose: "certificate" | "trust-list"): { kid: string; validFrom: string } | null {
      const open = keys().open(purpose);
      return open && { kid: open.kid, validFrom: open.validFrom };
    },
    /**
     * The key the rotation that ended `kid` made (key-store.ts `successorOf`), public parts only;
     * null while `kid` is open: how an interrupted rotation is found to have happened.
     */
    successorOf(kid: string): { kid: string; validFrom: string } | null {
      const next = keys().successorOf(kid);
      return next && { kid: next.kid, validFrom: next.validFrom };
    },
    /**
     * This node's certificate keys for the hub's national list (the sharing feature's status-list
     * push announces them), and where the hub's answer is kept for `sealingKey`.
     */
    hubKeys: hubKeys.port,
    /**
     * Signature over the record's canonical JSON: with `key` (the one `sealingKey` picked for the
     * version's QR, record.ts `sealAndSign`), else with the certificate key in use now.
     */
    signRecord(
      record: CertificateRecord,
      key: ActiveKey = keys().active("certificate"),
    ): { suite: SignatureSuite; kid: string; value: string } {
      const value = Buffer.from(key.signer.sign(Buffer.from(canonicalJson(record), "utf8"))).toString(
        "base64url",
      );
      return { suite: key.signer.suite, kid: key.kid, value };
    },
    async trustListDocument(): Promise<SignedDocument> {
      return (await ownTrustList()).doc;
    },
    async trustAnchors(): Promise<{ format: "roadcert-trust-anchors/1"; anchors: TrustAnchor[] }> {
      return { format: "roadcert-trust-anchors/1", anchors: await anchors() };
    },
    /**
     * `fresh`: built now from the registry, not the few-second cache. The hub's copy is pushed once
     * per change, and the change may have been made on another instance, whose invalidation this
     * instance's cache never saw: a cached list pushed then would keep the hub behind until the
     * next periodic push.
     */
    async statusListDocument(options: { fresh?: boolean } = {}): Promise<SignedDocument> {
      if (options.fresh) statusCache = null;
      return (await ownStatusList()).doc;
    },
    /** Forget cached lists after a status change, so the next list shows it. */
    invalidateStatus(): void {
      forgetStatus();
    },
    /**
     * Everything this node's verifier trusts right now, and the node's zone (TIME_ZONE) its verdicts
     * write times in. `currentStatusOf`: that province's status from the hub, read now (issuing on
     * its certificate); `recentStatusOf`: a peer's unexpired list, else the hub's copy at most a
     * minute old (verifying its certificate).
     */
    async trustContext(
      options: { currentStatusOf?: string; recentStatusOf?: string } = {},
    ): Promise<TrustContext> {
      const own = await ownTrustList();
      const status = await ownStatusList();
      const lists = [own.loaded, ...demo];
      const statusLists = new Map<string, LoadedStatusList>([[opts.provinceCode, status.loaded]]);
      // The national list first: it vouches for the keys of peers with no pinned anchor.
      const national = opts.hub ? await remote.hubList(opts.hub) : null;
      for (const p of opts.peers) {
        const entry = await remote.peer(p, national);
        if (entry.list) lists.push(entry.list);
        const status = entry.status && remote.unexpired(entry.status);
        if (status) statusLists.set(p.provinceCode, status);
      }
      if (national) lists.push(national);
      // Another province's status as of now: only the hub's copy of its list, read now (a peer's
      // is up to a minute old, and most provinces are no one's peer); absent when it cannot be had.
      const other = options.currentStatusOf;
      if (other && other !== opts.provinceCode) {
        statusLists.delete(other);
        const current = opts.hub && national ? await remote.hubStatusList(opts.hub, national, other) : null;
        if (current) statusLists.set(other, current);
      }
      const recent = options.recentStatusOf;
      if (recent && !statusLists.has(recent) && opts.hub && national) {
        const list = await remote.recentHubStatusList(opts.hub, national, recent);
        if (list) statusLists.set(recent, list);
      }
      return { lists, statusLists, timeZone: opts.timeZone };
    },
  };
}
export type SigningService = ReturnType<typeof createSigningService>;
