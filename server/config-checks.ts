import { z } from "zod";
import { isKnownDivision } from "./organisation/index.js";

/**
 * Checks of config.ts that need more than a type: what a value must mean (a province that
 * exists, an origin a browser can send) and the rules that tie keys together. Kept apart so the
 * key list in config.ts stays readable.
 */
export interface ConfigProblem {
  key: string;
  message: string;
}

/** The made-up province of the committed demo trust list (trust/); never a node's own. */
const DEMO_PROVINCE_CODE = "990000";

/**
 * A PROVINCE_CODE must be a province of the division list the node ships (GB/T 2260 plus the 兵团
 * 660000): the format alone let 170000 through, and every record the node then issued named a
 * province no other node or the hub knows. 990000 is refused with its own reason: a node under it
 * would sign as the demo province whose private keys are committed to the repository.
 */
export function provinceCodeProblem(code: string): string | null {
  if (code === DEMO_PROVINCE_CODE)
    return `${code} is the made-up province of the demo trust list (its private keys are public), not a node's province`;
  if (!isKnownDivision(code)) return `${code} is no province of the GB/T 2260 division list`;
  return null;
}

/**
 * One ALLOWED_ORIGINS entry, kept as its origin. `new URL("exam.example.gov.cn:443")` parses (the
 * host is read as a scheme) with the origin "null": the real front end was refused without a word
 * and any page sending `Origin: null` (a sandboxed iframe, a file:// page) was let in. So an entry
 * must be an http(s) URL; the error names the entry as written.
 */
export const AllowedOrigin = z.string().transform((entry, ctx) => {
  const url = URL.canParse(entry) ? new URL(entry) : null;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.origin === "null") {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(entry)} is not an http(s) URL such as https://exam.example.gov.cn`,
    });
    return z.NEVER;
  }
  return url.origin;
});

/**
 * PUBLIC_URL: a node's own origin as other nodes address it, kept as its origin (lower-case scheme
 * and host, no default port). Signed inter-node requests must name it, so it must be exactly an
 * origin: a path, query or credentials would be a different address than the one signers use.
 */
export const PublicOrigin = z.string().transform((entry, ctx) => {
  const url = URL.canParse(entry) ? new URL(entry) : null;
  const bare = url && url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !bare) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(entry)} is not an http(s) origin such as https://hub.example.gov.cn (no path)`,
    });
    return z.NEVER;
  }
  return url.origin;
});

/** The environment as parsed (defaults applied); a key that did not parse is absent. */
export interface ParsedKeys {
  NODE_ENV?: "development" | "test" | "production";
  ROLE?: "province" | "hub";
  PROVINCE_CODE?: string;
  SESSION_SECRET?: string;
  TRUST_PROXY?: boolean;
  COOKIE_SECURE?: boolean;
  HUB_URL?: string;
  HUB_PUBLIC_KEY?: string;
  CERT_TRUST_DEMO?: boolean;
  CERT_PEERS?: string;
  CERT_PEER_ANCHORS?: string;
  PUBLIC_URL?: string;
  REDIS_URL?: string;
  SINGLE_INSTANCE?: boolean;
  NODE_LINKS_PLAIN_HTTP?: boolean;
}

/**
 * Rules that tie keys together, on the values as parsed (defaults applied); a key that did not
 * parse is absent and its own problem already named. `raw` says whether a key was set at all.
 */
export function crossKeyProblems(e: ParsedKeys, raw: NodeJS.ProcessEnv): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (e.ROLE === "province" && !raw.PROVINCE_CODE) {
    problems.push({ key: "PROVINCE_CODE", message: "is required when ROLE=province" });
  }
  if (e.NODE_ENV === "production" && !raw.SESSION_SECRET) {
    problems.push({ key: "SESSION_SECRET", message: "is required in production" });
  }
  // Behind no proxy the node sees plain HTTP, and express-session then never sends a Secure
  // cookie: every login would silently fail.
  if (e.COOKIE_SECURE === true && e.TRUST_PROXY === false) {
    problems.push({
      key: "COOKIE_SECURE",
      message:
        "true needs TRUST_PROXY=true (the node serves plain HTTP; TLS must end at a proxy that sends X-Forwarded-Proto)",
    });
  }
  // Session cookies in clear text are a production risk that must be chosen, not defaulted into.
  if (e.NODE_ENV === "production" && e.TRUST_PROXY === false && raw.COOKIE_SECURE === undefined) {
    problems.push({
      key: "TRUST_PROXY",
      message:
        "production needs TRUST_PROXY=true (TLS ends at a proxy, session cookies are Secure) or an explicit COOKIE_SECURE=false (plain HTTP, cookies not Secure)",
    });
  }
  // The demo trust list's private keys are in the repository: trusting it lets anyone forge a
  // certificate that verifies. A production node must not be talked into it.
  if (e.NODE_ENV === "production" && e.CERT_TRUST_DEMO === true) {
    problems.push({
      key: "CERT_TRUST_DEMO",
      message:
        "must not be true in production: the demo trust list's private keys are public, so anyone could sign certificates this node accepts",
    });
  }
  // A province talks to the hub only with both: the URL alone sent nothing (one warning at boot)
  // and a key alone pins a hub it never reaches.
  if (e.ROLE === "province" && raw.HUB_URL !== undefined && raw.HUB_PUBLIC_KEY === undefined) {
    problems.push({
      key: "HUB_PUBLIC_KEY",
      message: "is required with HUB_URL (the hub's node key, pinned: GET <hub>/api/hub/v1/identity)",
    });
  }
  // Signed requests are carried out only when signed for this node's own address; in production
  // that address is a name behind a proxy, which the node cannot see for itself.
  if (e.ROLE === "hub" && e.NODE_ENV === "production" && raw.PUBLIC_URL === undefined) {
    problems.push({
      key: "PUBLIC_URL",
      message:
        "is required on the hub in production: the origin provinces reach it at (their HUB_URL, e.g. https://hub.example.gov.cn); signed requests addressed to any other origin are refused",
    });
  }
  if (e.ROLE === "province" && raw.HUB_PUBLIC_KEY !== undefined && raw.HUB_URL === undefined) {
    problems.push({ key: "HUB_URL", message: "is required with HUB_PUBLIC_KEY" });
  }
  problems.push(...productionProblems(e, raw));
  problems.push(...peerAnchorProblems(e, raw));
  return problems;
}

/**
 * What a production node must not run without: each of these, left out, ran a node that looked
 * fine and was not. Outside production the demo and tests run lone nodes over plain HTTP on one
 * host, so these rules are production's alone, and there is no exception for localhost: a
 * production node reaching its hub on 127.0.0.1 still sends through whatever listens there.
 */
function productionProblems(e: ParsedKeys, raw: NodeJS.ProcessEnv): ConfigProblem[] {
  if (e.NODE_ENV !== "production") return [];
  const problems: ConfigProblem[] = [];
  // A province without a hub sent nothing anywhere: it warned once at boot and parked every
  // record it should have shared, for as long as nobody read the log.
  if (e.ROLE === "province" && raw.HUB_URL === undefined && raw.HUB_PUBLIC_KEY === undefined)
    problems.push({
      key: "HUB_URL",
      message:
        "is required for a province in production, with HUB_PUBLIC_KEY (the hub's https origin and its pinned node key, GET <hub>/api/hub/v1/identity): without them no record reaches the hub",
    });
  // Records carry ID numbers and names; signatures prove who sent them, not that nobody read them.
  // Only the operator's explicit NODE_LINKS_PLAIN_HTTP=true (a private network; warned at every
  // boot, as COOKIE_SECURE=false is) lets plain HTTP through.
  const plainAllowed = e.NODE_LINKS_PLAIN_HTTP === true;
  if (
    !plainAllowed &&
    e.ROLE === "province" &&
    e.HUB_URL !== undefined &&
    new URL(e.HUB_URL).protocol !== "https:"
  )
    problems.push({
      key: "HUB_URL",
      message: `${e.HUB_URL} is plain HTTP: production needs https (records carry ID numbers and names), or NODE_LINKS_PLAIN_HTTP=true on a private network`,
    });
  if (!plainAllowed && e.PUBLIC_URL !== undefined && new URL(e.PUBLIC_URL).protocol !== "https:")
    problems.push({
      key: "PUBLIC_URL",
      message: `${e.PUBLIC_URL} is plain HTTP: production needs https, the origin other nodes send records to, or NODE_LINKS_PLAIN_HTTP=true on a private network`,
    });
  // Without Redis each instance sees only its own sockets: a proctor's console on one instance
  // never hears candidates on another, and nothing detects that there are several.
  if (raw.REDIS_URL === undefined && e.SINGLE_INSTANCE === false)
    problems.push({
      key: "REDIS_URL",
      message:
        "is required in production (several instances share sockets through Redis); a node that runs exactly one instance says so with SINGLE_INSTANCE=true",
    });
  return problems;
}

/**
 * A peer's certificates verify against its trust anchor, so the anchor must come from somewhere
 * its address cannot speak for: a key pinned in CERT_PEER_ANCHORS, or the hub's national list
 * (signed with the pinned HUB_PUBLIC_KEY). A peer with neither would trust whatever anchor answers
 * its address (a plain-HTTP path, a proxy, DNS), and with it certificates forged in its name.
 * With the hub configured (always so for a production province) an unpinned peer needs no pin:
 * the national list vouches for its keys, and when that list cannot be had, nothing of the peer is
 * trusted (remote-lists.ts), so the gap fails closed rather than open.
 */
function peerAnchorProblems(e: ParsedKeys, raw: NodeJS.ProcessEnv): ConfigProblem[] {
  if (e.ROLE !== "province") return [];
  const codeOf = (entry: string) => entry.slice(0, 6);
  const peers = (e.CERT_PEERS ?? "").split(",").filter(Boolean).map(codeOf);
  const pinned = new Set((e.CERT_PEER_ANCHORS ?? "").split(",").filter(Boolean).map(codeOf));
  const messages: string[] = [];
  const unpinned = peers.filter((code) => !pinned.has(code));
  if (unpinned.length > 0 && raw.HUB_URL === undefined)
    messages.push(
      `pins no anchor key for CERT_PEERS ${unpinned.join(", ")} and there is no HUB_URL: the anchor a peer serves for itself proves nothing (whoever answers its address could sign certificates in its name); pin each peer's key (its GET /api/certificates/trust-anchors, checked with that province out of band) or set HUB_URL and HUB_PUBLIC_KEY`,
    );
  const stray = [...pinned].filter((code) => !peers.includes(code));
  if (stray.length > 0)
    messages.push(
      `pins ${stray.join(", ")}, which CERT_PEERS does not list: a pin for no peer is a typo or a peer left out`,
    );
  // One problem per key: the boot error names each key once.
  return messages.length > 0 ? [{ key: "CERT_PEER_ANCHORS", message: messages.join("; it also ") }] : [];
}

/**
 * Settings that have no effect, said at every boot. A warning rather than a refusal: the demo
 * network starts the hub with the shell's environment, where a PROVINCE_CODE may well be set.
 */
export function ignoredKeyNotices(e: ParsedKeys, raw: NodeJS.ProcessEnv): string[] {
  const notices: string[] = [];
  if (e.SINGLE_INSTANCE === true && e.REDIS_URL !== undefined)
    notices.push("SINGLE_INSTANCE=true is ignored with REDIS_URL: instances share sockets through Redis");
  if (e.ROLE === "hub" && raw.PROVINCE_CODE)
    notices.push(
      `PROVINCE_CODE=${raw.PROVINCE_CODE} is ignored when ROLE=hub: the hub belongs to no province`,
    );
  return notices;
}
