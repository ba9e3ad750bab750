import { z } from "zod";
import { PublicOrigin, provinceCodeProblem } from "./config-checks.js";
import { envDecimal, envInt } from "./config-values.js";
import { ReportingExemptions } from "./contracts/hub-report.js";

/**
 * The environment keys of the links between nodes (this node's origin, the hub it talks to, its
 * node key) and of the hub's own services (rate limits, lookups, unsigned-request log, monthly
 * report), with the settings they become. Part of config.ts's key list, kept apart by concern.
 */
export const HubKeys = z.object({
  /**
   * This node's own origin as other nodes address it (e.g. `https://hub.example.gov.cn`, the
   * provinces' HUB_URL); signed inter-node requests addressed to another origin are refused.
   * Required on the hub in production, and https there; unset, the address a connection reached
   * (development).
   */
  PUBLIC_URL: PublicOrigin.optional(),
  /**
   * URL of the national hub, used by province nodes; needs HUB_PUBLIC_KEY. Required for a province
   * in production, and https there (records carry ID numbers and names); http only outside it.
   */
  HUB_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://hub:3000" })
    .optional(),
  /** The hub's Ed25519 node key (base64url), pinned by province nodes: the hub's answers must be signed with it. */
  HUB_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url Ed25519 public key")
    .optional(),
  /** Where this node keeps its Ed25519 node key (made on first start). Default `<DATA_DIR>/<NODE_NAME>/keys`. */
  NODE_KEY_DIR: z.string().optional(),
  /**
   * A replacement of the node key on purpose (after the hub registered the new key): the id of
   * the new key, as the hub's node list shows it. A start loading exactly that key records it in
   * place of the key the node's database recorded (audited); one loading any other key refuses,
   * naming both. Unset: a key other than the recorded one is refused in production.
   */
  NODE_KEY_REPIN: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{43}$/,
      "must be a node key id (43 base64url characters, as the hub's node list shows it)",
    )
    .optional(),
  /** Inter-node signatures: how far `created` may lie from this node's clock, in seconds. */
  NODE_SIGNATURE_SKEW_SECONDS: envInt(5, 3600).default(120),
  /** Inter-node requests allowed per node key per minute at the hub before 429. */
  HUB_RATE_LIMIT_PER_MINUTE: envInt(1).default(6000),
  /**
   * A province node's hub lookups allowed per officer account in any 60 seconds (a sliding
   * minute), and per China calendar day, across every instance of the node on the database's
   * clock, before 429 lookup_rate_limited
   * (server/sharing/lookup-limits.ts). The hub's own limit is per node and shared with the
   * node's data sync, so it does not stop one account looping over guessed ID numbers.
   */
  LOOKUP_LIMIT_PER_MINUTE: envInt(1, 10_000).default(10),
  LOOKUP_LIMIT_PER_DAY: envInt(1, 1_000_000).default(300),
  /**
   * Refused requests that no node signed, logged one by one per client address per minute at the
   * hub; beyond it they are only counted and summed up once a minute (anyone can send them, and
   * each is an insert into the hash-chained message log every signed message waits behind).
   */
  HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE: envInt(1, 10_000).default(10),
  /** The same for all addresses together. */
  HUB_UNSIGNED_LOG_PER_MINUTE: envInt(1, 100_000).default(120),
  /** Client addresses the unsigned-request budget remembers at once (its memory is bounded too). */
  HUB_UNSIGNED_LOG_SOURCES: envInt(1, 1_000_000).default(10_000),
  /**
   * The refusals only counted are summed up in one entry this long after the first of them (and
   * at shutdown), so also after a burst followed by silence. In milliseconds; tests shorten it.
   */
  HUB_UNSIGNED_LOG_SUMMARY_MS: envInt(10, 3_600_000).default(60_000),
  /**
   * Days a practitioner whose every record was deleted keeps their home at the hub: within them
   * only that province re-adds the person (a correction deletes, then adds again in a later
   * batch); another province's record is refused home_contested for the operator to decide.
   * After them the next province to publish the person becomes the home. 0: at once.
   */
  HUB_DELETED_HOME_GRACE_DAYS: envInt(0, 3650).default(30),
  /** Hub monthly report: a record reaching the hub within this many hours of its UpdateTime counts as timely. */
  REPORT_LATENCY_TARGET_HOURS: envDecimal(0.1, 24 * 31).default(24),
  /**
   * Hub monthly report: legacy exemptions (存量系统过渡期), months a province owes no report, as
   * `province:YYYY-MM..YYYY-MM` entries separated by commas (no end month: until further notice).
   */
  HUB_REPORT_EXEMPTIONS: ReportingExemptions.default([]).superRefine((list, ctx) => {
    for (const e of list) {
      const problem = provinceCodeProblem(e.provinceCode);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }
  }),
});

/** The `hub` settings of the configuration (config.ts). */
export function hubSettings(e: z.infer<typeof HubKeys>) {
  return {
    url: e.HUB_URL ?? null,
    publicKey: e.HUB_PUBLIC_KEY ?? null,
    rateLimitPerMinute: e.HUB_RATE_LIMIT_PER_MINUTE,
    lookupLimits: { perMinute: e.LOOKUP_LIMIT_PER_MINUTE, perDay: e.LOOKUP_LIMIT_PER_DAY },
    unsignedLog: {
      perSourcePerMinute: e.HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE,
      totalPerMinute: e.HUB_UNSIGNED_LOG_PER_MINUTE,
      maxSources: e.HUB_UNSIGNED_LOG_SOURCES,
      summaryWindowMs: e.HUB_UNSIGNED_LOG_SUMMARY_MS,
    },
    reportLatencyTargetHours: e.REPORT_LATENCY_TARGET_HOURS,
    reportExemptions: e.HUB_REPORT_EXEMPTIONS,
    deletedHomeGraceDays: e.HUB_DELETED_HOME_GRACE_DAYS,
  };
}

/** The `nodeKey` settings: the key folder defaults to `<DATA_DIR>/<node name>/keys`. */
export function nodeKeySettings(e: z.infer<typeof HubKeys>, dataDir: string, nodeName: string) {
  return {
    dir: e.NODE_KEY_DIR ?? `${dataDir.replace(/\/+$/, "")}/${nodeName}/keys`,
    maxSkewSeconds: e.NODE_SIGNATURE_SKEW_SECONDS,
    repin: e.NODE_KEY_REPIN ?? null,
  };
}
