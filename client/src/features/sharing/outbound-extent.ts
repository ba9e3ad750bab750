/** Rows the queue page asks for at first, and how many more each 加载更多 adds. */
export const OUTBOUND_PAGE = 50;
/** The most the server's `GET /api/sharing/outbound` answers (`limit` ≤ 200; no cursor, no count). */
export const OUTBOUND_MAX = 200;

/** What the queue page says about how much of the queue it shows, and whether it can show more. */
export interface OutboundExtent {
  note: string;
  /** The `limit` of the next, longer read; null when no more can be read. */
  nextLimit: number | null;
}

/**
 * The server answers only the newest `limit` entries of a status, without a total or a cursor, so
 * a full answer may hide older ones: the page says "显示最新 n 条" and reads a longer list on
 * 加载更多, up to the server's 200, and then says honestly that older ones are not shown.
 */
export function outboundExtent(shown: number, limit: number): OutboundExtent {
  if (shown < limit) return { note: `共 ${shown} 条`, nextLimit: null };
  if (limit < OUTBOUND_MAX)
    return { note: `显示最新 ${shown} 条`, nextLimit: Math.min(OUTBOUND_MAX, limit + OUTBOUND_PAGE) };
  return { note: `仅显示最新 ${OUTBOUND_MAX} 条，更早的记录请按状态筛选查看`, nextLimit: null };
}
