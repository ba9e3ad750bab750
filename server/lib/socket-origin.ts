import type { IncomingMessage } from "node:http";

/**
 * socket.io's `allowRequest`: refuses a browser handshake whose `Origin` is neither the node's own
 * origin (the Host it was asked on) nor one of `allowedOrigins`. Cookies ride along on a
 * cross-site WebSocket, so without this any page a logged-in proctor visits could open a socket
 * in their name (cross-site WebSocket hijacking). Requests without an Origin come from
 * non-browser clients, which carry no ambient cookie of a victim, and pass.
 */
export function originCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (
    req: IncomingMessage,
    callback: (err: string | null | undefined, success: boolean) => void,
  ): void => {
    callback(null, originAllowed(req.headers.origin, req.headers.host, allowed));
  };
}

export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return true;
  // `Origin: null` comes from sandboxed iframes, file:// pages and some redirects: no page anyone
  // can name, so no entry may allow it (config refuses such an entry; this holds if one slips by).
  if (origin === "null") return false;
  if (allowed.has(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  // Same origin: the page was served by this host (scheme is left out: behind a TLS proxy the
  // node sees http while the browser says https).
  return (
    (parsed.protocol === "http:" || parsed.protocol === "https:") &&
    !!host &&
    parsed.host === host.toLowerCase()
  );
}
