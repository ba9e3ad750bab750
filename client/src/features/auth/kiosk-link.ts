/**
 * The kiosk address (考试机地址) that binds an exam-room computer to its seat: the login page with
 * the seat's login token. The token rides in the fragment (`#seat=…`), which browsers never send:
 * in the query it reached the node's request log (and any proxy's) in plain text, and stayed in the
 * address bar and the browser's history for anyone at the computer to read.
 */
export function kioskAddress(origin: string, token: string): string {
  return `${origin}/login?as=candidate#seat=${encodeURIComponent(token)}`;
}

/** A route's query as vue-router gives it (a key may repeat, or carry no value). */
type Query = Record<string, string | null | (string | null)[] | undefined>;

/**
 * The seat token a kiosk address brings to the login page, and the address without it (what the
 * page replaces the current one with once it has kept the token). Read from the fragment, or from
 * the query, where addresses issued before the fragment carried it.
 */
export function takeSeatToken<Q extends Query>(location: {
  query: Q;
  hash: string;
}): { token: string | null; query: Q; hash: string } {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromFragment = fragment.get("seat");
  if (fromFragment) {
    fragment.delete("seat");
    const rest = fragment.toString();
    return { token: fromFragment, query: location.query, hash: rest ? `#${rest}` : "" };
  }
  const fromQuery = location.query.seat;
  if (typeof fromQuery === "string" && fromQuery) {
    const query = { ...location.query };
    delete query.seat;
    return { token: fromQuery, query, hash: location.hash };
  }
  return { token: null, query: location.query, hash: location.hash };
}
