import type { IncomingMessage } from "node:http";

type Scheme = "http" | "https";

/**
 * socket.io's `allowRequest`: refuses a browser handshake whose `Origin` is neither the node's own
 * origin (the scheme and Host it was asked on) nor one of `allowedOrigins`. Cookies ride along on
 * a cross-site WebSocket, so without this any page a logged-in proctor visits could open a socket
 * in their name (cross-site WebSocket hijacking). Requests without an Origin come from
 * non-browser clients, which carry no ambient cookie of a victim, and pass.
 *
 * The node's scheme is https when the connection is TLS, or when a trusted proxy (`trustProxy`,
 * TRUST_PROXY) says so in X-Forwarded-Proto, as Express judges `req.protocol`.
 */
export function originCheck(allowedOrigins: readonly string[], options: { trustProxy: boolean }) {
  const allowed = new Set(allowedOrigins.flatMap((o) => normalisedOrigin(o) ?? []));
  return (
    req: IncomingMessage,
    callback: (err: string | null | undefined, success: boolean) => void,
  ): void => {
    callback(null, originAllowed(req.headers.origin, req.headers.host, allowed, schemeOf(req, options)));
  };
}

/** The scheme the handshake reached the node by (see originCheck). */
function schemeOf(req: IncomingMessage, options: { trustProxy: boolean }): Scheme {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return "https";
  if (!options.trustProxy) return "http";
  const forwarded = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim().toLowerCase();
  return first === "https" ? "https" : "http";
}

/**
 * Whether a handshake with `origin` may open a socket on the node reached as `scheme`://`host`:
 * the same origin, or one of `allowed`. Both sides are normalised first (scheme and host case,
 * default ports, a trailing slash), and anything that is not a bare http(s) origin is refused.
 * The scheme counts: https://host (port 443) is another origin than http://host (port 80).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
  scheme: Scheme = "http",
): boolean {
  if (origin === undefined) return true;
  // `Origin: null` comes from sandboxed iframes, file:// pages and some redirects: no page anyone
  // can name, so no entry may allow it (config refuses such an entry; this holds if one slips by).
  if (origin === "null") return false;
  const page = normalisedOrigin(origin);
  if (page === null) return false;
  if (allowed.has(page)) return true;
  if (!host || /[/?#@\\]/.test(host)) return false;
  return page === normalisedOrigin(`${scheme}://${host}`);
}

/**
 * `value` as an origin (`scheme://host[:port]`, lower case, default port left out), or null when
 * it is not a bare http(s) origin: credentials, a path other than "/", a query or a fragment.
 */
function normalisedOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) return null;
  if (/[@\\]/.test(value)) return null;
  return url.origin;
}
