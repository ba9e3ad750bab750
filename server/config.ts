import { z } from "zod";
import { AllowedOrigin, crossKeyProblems, ignoredKeyNotices, provinceCodeProblem } from "./config-checks.js";
import { certificateSettings, CertificateKeys } from "./config-certificates.js";
import { ExamKeys, examSettings } from "./config-exam.js";
import { ExchangeKeys, exchangeSettings } from "./config-exchange.js";
import { HubKeys, hubSettings, nodeKeySettings } from "./config-hub.js";
import { boolish, envInt, ProvinceCode } from "./config-values.js";
import { DEFAULT_TIME_ZONE } from "./lib/local-time.js";

// Exported here too: importers read the configuration's names from this one module.
export { SESSION_DOORS_OPEN_MINUTES } from "./config-exam.js";
export { ProvinceCode } from "./config-values.js";

/**
 * Every environment key the server reads, with its default and meaning. This module is the only
 * reader of `process.env`; the README's configuration table mirrors this list. The keys of the
 * hub and node links, exam delivery, certificates and exchange are listed in config-hub.ts,
 * config-exam.ts, config-certificates.ts and config-exchange.ts (with the settings they become),
 * spread here where they always stood: boot names invalid keys in this order.
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
    ...HubKeys.shape,
    /**
     * Login attempts let through per client (IPv4 address or IPv6 /64; an IPv6 /48 four times it) per
     * sliding minute, across every instance of the node, before 429; refused attempts do not count
     * (per-name lockout is separate; server/auth/login-rates.ts).
     */
    LOGIN_RATE_LIMIT_PER_MINUTE: envInt(1).default(60),
    /**
     * Staff logins in progress at once per instance, two of them checking their password (scrypt)
     * and the rest waiting; past it a login is answered 503 `login_busy` (server/auth/password-gate.ts).
     * Password changes, admins' resets and new accounts hash within the same bound.
     */
    LOGIN_PASSWORD_CHECKS_MAX: envInt(1, 1000).default(8),
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
    ...ExamKeys.shape,
    /** IANA time zone every page and export shows times in, whatever the browser's. */
    TIME_ZONE: z
      .string()
      .default(DEFAULT_TIME_ZONE)
      .refine(isTimeZone, "must be an IANA time zone such as Asia/Shanghai"),
    ...CertificateKeys.shape,
    ...ExchangeKeys.shape,
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
    hub: hubSettings(e),
    nodeKey: nodeKeySettings(e, e.DATA_DIR, nodeName),
    exam: examSettings(e),
    auth: {
      loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
      maxPasswordChecks: e.LOGIN_PASSWORD_CHECKS_MAX,
      staffSocketRecheckMs: e.STAFF_SOCKET_RECHECK_SECONDS * 1000,
      candidateSocketRecheckMs: e.CANDIDATE_SOCKET_RECHECK_SECONDS * 1000,
    },
    timeZone: e.TIME_ZONE,
    certificates: certificateSettings(e, {
      dataDir: e.DATA_DIR,
      nodeName,
      production: e.NODE_ENV === "production",
    }),
    exchange: exchangeSettings(e),
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
