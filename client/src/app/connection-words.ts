/** Who reads the reconnect banner: only a candidate has answers on the page to speak of. */
export type BannerAudience = "candidate" | "staff";

/**
 * The reconnect banner's title. A candidate is told where the answers are (held here, saved once
 * back) and not that nothing is lost: a later screen may have to say an answer did not count.
 */
export function reconnectingTitle(audience: BannerAudience, attempts: number, storedLocally = true): string {
  const tries = attempts > 0 ? `（第 ${attempts} 次）` : "";
  if (audience !== "candidate") return `与服务器的连接已中断，正在重新连接${tries}……页面数据可能不是最新。`;
  // When the browser refused to store the journal, the answers live only in this page's memory.
  return storedLocally
    ? `与服务器的连接已中断，正在重新连接${tries}……作答已暂存本机，恢复连接后自动保存；请勿关闭或刷新本页面。`
    : `与服务器的连接已中断，正在重新连接${tries}……作答尚未保存，只在本页，恢复连接后自动保存；请勿关闭或刷新本页面。`;
}
