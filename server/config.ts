import { z } from "zod";
import { AllowedOrigin, crossKeyProblems, ignoredKeyNotices, provinceCodeProblem, PublicOrigin } from "./config-checks.js";
import { MAX_KEY_ROTATION_LEAD_HOURS } from "./contracts/certificates.js";
import { ReportingExemptions } from "./contracts/hub-report.js";
import { decimalNumber, wholeNumber } from "./contracts/validation.js";
import { DEFAULT_TIME_ZONE } from "./lib/local-time.js";

/** GB/T 2260 province-level code: two significant digits then `0000` (e.g. 320000 江苏). */
export const ProvinceCode = z
  .string()
  .regex(/^[1-9]\d0000$/, "must be a GB/T 2260 province code such as 320000");

const boolish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/**
 * Numbers in the environment are decimal digits: `Number()` read `PORT=0x10` as 16 and
 * `EXAM_GRACE_SECONDS=1e1` as 10, a value nobody wrote taken as meant.
 */
const envInt = (min: number, max?: number) => wholeNumber(min, max, "must be a whole number in decimal digits");
const envDecimal = (min: number, max: number) =>
  decimalNumber(min, max, "must be a decimal number such as 24 or 0.5");

/**
 * Minutes before a session's scheduled start when its candidates may first log in (the candidate
 * login in server/auth reads it here): check-in opens then (`exam.checkInOpensMinutes`), and no
 * release may come earlier (EXAM_EARLY_RELEASE_MAX_MINUTES is bounded by it).
 */
export const SESSION_DOORS_OPEN_MINUTES = 30;

/**
 * Every environment key the server reads, with its default and meaning. This module is the only
 * reader of `process.env`; the README's configuration table mirrors this list.
 */
const Env = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    /** `province` runs a provincial node; `hub` runs the national data-sharing platform. */
    ROLE: z.enum(["province", "hub"]).default("province"),
    /** Required when ROLE=province: a province of the shipped division list (config-checks.ts). */
    PROVINCE_CODE: ProvinceCode.superRefine((code, ctx) => {
      // Only a well-formed code is looked up: a malformed one is already named by its format.
      const problem = ProvinceCode.safeParse(code).success ? provinceCodeProblem(code) : null;
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }).optional(),
    /** Human-readable node name used in logs and the embedded database folder. */
    NODE_NAME: z.string().regex(/^[a-z0-9-]+$/).optional(),
    HOST: z.string().default("127.0.0.1"),
    PORT: envInt(0, 65535).default(3000),
    /** A real MongoDB (replica set for transactions). Absent → the embedded default database. */
    MONGODB_URI: z.string().startsWith("mongodb").optional(),
    /** Where the embedded database keeps its files. */
    DATA_DIR: z.string().default("./data"),
    /**
     * Enables the socket.io Redis adapter so several instances share rooms. Required in production
     * unless SINGLE_INSTANCE=true: without it, instances behind one balancer each see only their
     * own sockets, and nothing detects it (config-checks.ts).
     */
    REDIS_URL: z.string().startsWith("redis").optional(),
    /** Production without REDIS_URL: the operator's statement that this node runs one instance only. */
    SINGLE_INSTANCE: boolish.default(false),
    /**
     * Production nodes linked over plain HTTP (HUB_URL, PUBLIC_URL): the operator's explicit
     * statement that the links run on a private network with no TLS (the compose demo). Refused
     * otherwise; when set, every boot logs it as an insecure configuration.
     */
    NODE_LINKS_PLAIN_HTTP: boolish.default(false),
    /** Signs session cookies; required in production (≥ 32 characters). */
    SESSION_SECRET: z.string().min(32).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Set when running behind a TLS-terminating load balancer (cookies become Secure). */
    TRUST_PROXY: boolish.default(false),
    /**
     * Whether session cookies carry `Secure`; defaults to TRUST_PROXY. `true` needs TRUST_PROXY (the
     * node itself serves plain HTTP). In production, plain HTTP is only allowed by an explicit
     * `false`, and the node warns at every boot.
     */
    COOKIE_SECURE: boolish.optional(),
    /**
     * Origins (comma-separated http(s) URLs, e.g. `https://exam.example.gov.cn`) whose pages may
     * open sockets besides the node's own origin; a browser handshake from any other Origin is
     * refused. An entry without a scheme is an error (config-checks.ts AllowedOrigin).
     */
    ALLOWED_ORIGINS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(AllowedOrigin).max(32)),
    /** Built client assets served in production. */
    CLIENT_DIST: z.string().default("dist/client"),
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
    HUB_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url Ed25519 public key").optional(),
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
      .regex(/^[A-Za-z0-9_-]{43}$/, "must be a node key id (43 base64url characters, as the hub's node list shows it)")
      .optional(),
    /** Inter-node signatures: how far `created` may lie from this node's clock, in seconds. */
    NODE_SIGNATURE_SKEW_SECONDS: envInt(5, 3600).default(120),
    /** Inter-node requests allowed per node key per minute at the hub before 429. */
    HUB_RATE_LIMIT_PER_MINUTE: envInt(1).default(6000),
    /**
     * A province node's hub lookups allowed per officer account per minute, and per China calendar
     * day, across every instance of the node, before 429 lookup_rate_limited
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
    /**
     * Login attempts let through per client (IPv4 address or IPv6 /64; an IPv6 /48 four times it) per
     * sliding minute, across every instance of the node, before 429; refused attempts do not count
     * (per-name lockout is separate; server/auth/login-rates.ts).
     */
    LOGIN_RATE_LIMIT_PER_MINUTE: envInt(1).default(60),
    /**
     * How often an open staff socket's login and account are asked again. A console that only
     * listens sends no events to be checked: an expired login, or a revocation broadcast this
     * instance missed (Redis pub/sub delivers at most once), closes it within this time.
     */
    STAFF_SOCKET_RECHECK_SECONDS: envInt(1, 3600).default(60),
    /**
     * How often the logins of an instance's open candidate sockets are asked again (one batched read
     * per instance, server/auth/candidate-recheck.ts). A logout's disconnect relayed by Redis is lost
     * while an instance's link is down; the candidate's socket then closes within this time.
     */
    CANDIDATE_SOCKET_RECHECK_SECONDS: envInt(1, 3600).default(60),
    /** How long after the deadline in-flight answer saves are still accepted. */
    EXAM_GRACE_SECONDS: envInt(0, 60).default(5),
    /**
     * Answer saves arriving within this many ms of the previous database write of saves wait for
     * the rest of it and go in one bulk write (group commit, issue 17): each save's ack waits at
     * most this much longer, and saves a few ms apart share a round trip. 0 groups only saves that
     * meet in one turn of the event loop or behind a write in flight.
     */
    EXAM_SAVE_GROUP_MS: envInt(0, 50).default(4),
    /**
     * Groups of answer saves written to the database at once (pipelining): 1 makes a save that
     * arrives while a group is out wait for that group's whole round trip.
     */
    EXAM_SAVE_GROUPS_IN_FLIGHT: envInt(1, 8).default(2),
    /**
     * Attempts whose last known state this instance keeps, so a save costs one write and no read.
     * Beyond it the oldest copies are dropped, and candidates who take turns then find theirs gone
     * every time: a save becomes a read and a write. Size it above the candidates one instance
     * serves at once (about 2.5 KB each).
     */
    EXAM_ATTEMPT_CACHE_SIZE: envInt(1, 1_000_000).default(20_000),
    /**
     * Releasing a room before its scheduled start: `reason` lets the proctor do it with a written
     * reason (audited as 提前放行), `refuse` forbids it.
     */
    EXAM_EARLY_RELEASE: z.enum(["reason", "refuse"]).default("reason"),
    /**
     * How many minutes before its scheduled start a room may be released at the earliest (with the
     * reason EXAM_EARLY_RELEASE asks for). Each deadline is the release plus the session's length,
     * and candidates may log in only from SESSION_DOORS_OPEN_MINUTES before the start: a room
     * released earlier spent their time before they could sit, and ran outside its room booking.
     */
    EXAM_EARLY_RELEASE_MAX_MINUTES: envInt(0, SESSION_DOORS_OPEN_MINUTES).default(SESSION_DOORS_OPEN_MINUTES),
    /**
     * Minutes a room stays booked after a session's last regular deadline (start + late entry +
     * length), for accommodations and extensions; a deadline beyond it extends the booking if the
     * room is free.
     */
    EXAM_ROOM_RESERVE_MINUTES: envInt(0, 240).default(30),
    /**
     * Extra time a proctor may give alone (DOMAIN: time changes need a second authorisation): an
     * extension after which the candidate's extra time in all (extensions, outage credit and
     * accommodation) would reach this many minutes waits for a second proctor or officer to
     * approve it. 0 sends every extension for approval. The proctor can ask for approval below it.
     */
    EXAM_EXTENSION_APPROVAL_MINUTES: envInt(0, 600).default(20),
    /** IANA time zone every page and export shows times in, whatever the browser's. */
    TIME_ZONE: z
      .string()
      .default(DEFAULT_TIME_ZONE)
      .refine(isTimeZone, "must be an IANA time zone such as Asia/Shanghai"),
    /** Signature suite of this node's certificate keys (SM2 with SM3 per GB/T 32918, or Ed25519). */
    CERT_SUITE: z.enum(["ed25519", "sm2-sm3"]).default("ed25519"),
    /** Where the node's signing keys live (outside the repository). Default `<DATA_DIR>/<NODE_NAME>/keys`. */
    CERT_KEYS_DIR: z.string().optional(),
    /** Issue certificates as soon as a pass arrives instead of waiting for an officer. */
    CERT_AUTO_ISSUE: boolish.default(false),
    /** How many days before expiry renewal opens. */
    CERT_RENEWAL_WINDOW_DAYS: envInt(30, 365).default(90),
    /**
     * Hours a rotated certificate key waits before it signs, announced to the hub meanwhile. 48: the
     * hub's national list tells verifiers to refresh daily, so one day has the key on every list that
     * follows that; the second is for the announcement's retries while the hub is unreachable.
     */
    CERT_KEY_ROTATION_LEAD_HOURS: envInt(0, MAX_KEY_ROTATION_LEAD_HOURS).default(48),
    /**
     * Days a certificate key signs before the node rotates it on its own (the new key is made and
     * announced CERT_KEY_ROTATION_LEAD_HOURS ahead and takes over at the end); 0: only when an
     * operator rotates. Keep it well above the lead. 365: a year, as DCC signing keys commonly run.
     */
    CERT_KEY_LIFETIME_DAYS: envInt(0, 3650).default(365),
    /** Other nodes whose trust and status lists this node fetches: `110000=http://host:port,…`. */
    CERT_PEERS: z
      .string()
      .regex(/^(\d{6}=https?:\/\/[^,\s]+)(,\d{6}=https?:\/\/[^,\s]+)*$/, "must look like 110000=http://host:port,…")
      .optional(),
    /**
     * The list-signing (anchor) key of each peer in CERT_PEERS, pinned: `110000=<public key>,…`, a
     * province repeated for each key it signs with (a rotation adds one). The anchor a peer serves
     * counts only if it is pinned here: the address alone is no proof of whom it reaches. A peer
     * with no pinned key is verified only through the hub's national trust list (HUB_URL).
     */
    CERT_PEER_ANCHORS: z
      .string()
      .regex(/^(\d{6}=[A-Za-z0-9_-]{40,200})(,\d{6}=[A-Za-z0-9_-]{40,200})*$/, "must look like 110000=<public key>,…")
      .optional(),
    /**
     * Also trust the committed demo trust list (province 990000). Defaults to true outside
     * production; `true` in production is a config error (its private keys are public).
     */
    CERT_TRUST_DEMO: boolish.optional(),
    /** Hours the home province has to answer an off-site filing (the paper process took up to 30 days). */
    EXCHANGE_FILING_ACK_HOURS: envInt(1, 24 * 60).default(72),
    /** Hours to answer a transfer (转籍) request. */
    EXCHANGE_TRANSFER_ACK_HOURS: envInt(1, 24 * 60).default(120),
    /** Hours to answer an enforcement notice (抄告); US CDLIS allows 10 days for out-of-state convictions. */
    EXCHANGE_NOTICE_ACK_HOURS: envInt(1, 24 * 60).default(240),
    /** How often a province pulls its exchange inbox and retries unsent cases, in ms. */
    EXCHANGE_POLL_MS: envInt(50, 600_000).default(2000),
    /**
     * How long a province's inbox request may wait at the hub for its next message (long poll: the
     * notice arrives as soon as it is held instead of at the next poll); 0 asks and returns at once.
     * Kept under the signed client's 15 s timeout.
     */
    EXCHANGE_PULL_WAIT_MS: envInt(0, 10_000).default(10_000),
    /**
     * Hours a notice document uploaded at a province is kept while no notice names it (the officer
     * uploaded and never sent); then a sweep removes it. Documents a notice names are kept.
     */
    EXCHANGE_UPLOAD_TTL_HOURS: envInt(1, 24 * 30).default(24),
    /**
     * How long a SIGTERM's whole graceful stop may take (features, sockets, in-flight requests)
     * before connections are cut. At most ten minutes: beyond 2^31 ms Node's timer fires at once.
     */
    SHUTDOWN_TIMEOUT_MS: envInt(100, 600_000).default(10_000),
  });

type Env = z.infer<typeof Env>;

/** Reads the environment once at boot; throws one error listing every invalid key. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  // Each key is parsed once, on its own: the keys that parse (with their defaults) are what the
  // rules tying keys together check, so every problem is named at once even when another key is
  // invalid (an object-level refinement would only run once all keys parse).
  const parsed: Partial<Record<keyof Env, unknown>> = {};
  const problems: { key: string; message: string }[] = [];
  for (const [key, schema] of Object.entries(Env.shape) as [keyof Env, z.ZodType][]) {
    // `HOST=` (a compose file's `${HOST}` with nothing set) listened on every interface, and `PORT=`
    // on a random port: an empty value is neither the default nor a value, so it is named.
    if (source[key] === "") {
      problems.push({ key, message: "is set but empty: unset it to use the default, or give a value" });
      continue;
    }
    const field = schema.safeParse(source[key]);
    if (field.success) parsed[key] = field.data;
    else for (const i of field.error.issues) problems.push({ key: [key, ...i.path].join("."), message: i.message });
  }
  for (const p of crossKeyProblems(parsed as Partial<Env>, source))
    if (!problems.some((q) => q.key === p.key)) problems.push(p);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${p.key}: ${p.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed as Env;
  const cookieSecure = e.COOKIE_SECURE ?? e.TRUST_PROXY;
  const warnings: string[] = [];
  if (e.NODE_ENV === "production" && !cookieSecure)
    warnings.push(
      "COOKIE_SECURE=false in production: session cookies are sent without Secure, so anyone on the " +
        "network path can read them; put the node behind a TLS-terminating proxy and set TRUST_PROXY=true",
    );
  if (e.NODE_ENV === "production" && e.NODE_LINKS_PLAIN_HTTP)
    warnings.push(
      "NODE_LINKS_PLAIN_HTTP=true in production: records (ID numbers, names) travel between nodes " +
        "without TLS; use https origins for HUB_URL and PUBLIC_URL and unset it",
    );
  const notices = ignoredKeyNotices(e, source);
  const nodeName = e.NODE_NAME ?? (e.ROLE === "hub" ? "hub" : `province-${e.PROVINCE_CODE}`);
  return deepFreeze({
    env: e.NODE_ENV,
    role: e.ROLE,
    provinceCode: e.ROLE === "province" ? (e.PROVINCE_CODE ?? null) : null,
    nodeName,
    http: {
      host: e.HOST,
      port: e.PORT,
      trustProxy: e.TRUST_PROXY,
      cookieSecure,
      clientDist: e.CLIENT_DIST,
      allowedOrigins: e.ALLOWED_ORIGINS,
      publicOrigin: e.PUBLIC_URL ?? null,
    },
    mongo: { uri: e.MONGODB_URI ?? null, dataDir: e.DATA_DIR },
    redis: { url: e.REDIS_URL ?? null, singleInstance: e.SINGLE_INSTANCE },
    session: { secret: e.SESSION_SECRET ?? null },
    log: { level: e.LOG_LEVEL },
    hub: {
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
    },
    nodeKey: {
      dir: e.NODE_KEY_DIR ?? `${e.DATA_DIR.replace(/\/+$/, "")}/${nodeName}/keys`,
      maxSkewSeconds: e.NODE_SIGNATURE_SKEW_SECONDS,
      repin: e.NODE_KEY_REPIN ?? null,
    },
    exam: {
      graceSeconds: e.EXAM_GRACE_SECONDS,
      saveGroupMs: e.EXAM_SAVE_GROUP_MS,
      saveGroupsInFlight: e.EXAM_SAVE_GROUPS_IN_FLIGHT,
      attemptCacheSize: e.EXAM_ATTEMPT_CACHE_SIZE,
      earlyRelease: e.EXAM_EARLY_RELEASE,
      earlyReleaseMaxMinutes: e.EXAM_EARLY_RELEASE_MAX_MINUTES,
      checkInOpensMinutes: SESSION_DOORS_OPEN_MINUTES,
      roomReserveMinutes: e.EXAM_ROOM_RESERVE_MINUTES,
      extensionApprovalMinutes: e.EXAM_EXTENSION_APPROVAL_MINUTES,
    },
    auth: {
      loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
      staffSocketRecheckMs: e.STAFF_SOCKET_RECHECK_SECONDS * 1000,
      candidateSocketRecheckMs: e.CANDIDATE_SOCKET_RECHECK_SECONDS * 1000,
    },
    timeZone: e.TIME_ZONE,
    certificates: {
      suite: e.CERT_SUITE,
      keysDir: e.CERT_KEYS_DIR ?? `${e.DATA_DIR}/${nodeName}/keys`,
      autoIssue: e.CERT_AUTO_ISSUE,
      renewalWindowDays: e.CERT_RENEWAL_WINDOW_DAYS,
      rotationLeadMs: e.CERT_KEY_ROTATION_LEAD_HOURS * 3_600_000,
      keyLifetimeMs: e.CERT_KEY_LIFETIME_DAYS * 86_400_000,
      peers: (e.CERT_PEERS ?? "")
        .split(",")
        .filter(Boolean)
        .map((p) => ({
          provinceCode: p.slice(0, 6),
          url: p.slice(7),
          anchorKeys: (e.CERT_PEER_ANCHORS ?? "")
            .split(",")
            .filter((a) => a.startsWith(`${p.slice(0, 6)}=`))
            .map((a) => a.slice(7)),
        })),
      trustDemo: e.CERT_TRUST_DEMO ?? e.NODE_ENV !== "production",
    },
    exchange: {
      ackHours: { filing: e.EXCHANGE_FILING_ACK_HOURS, transfer: e.EXCHANGE_TRANSFER_ACK_HOURS, notice: e.EXCHANGE_NOTICE_ACK_HOURS },
      pollMs: e.EXCHANGE_POLL_MS,
      pullWaitMs: e.EXCHANGE_PULL_WAIT_MS,
      uploadTtlHours: e.EXCHANGE_UPLOAD_TTL_HOURS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    /** Allowed but risky settings, logged loudly at every boot. */
    warnings,
    /** Settings that have no effect (e.g. PROVINCE_CODE on the hub), logged at every boot. */
    notices,
  });
}

export type Config = ReturnType<typeof loadConfig>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
