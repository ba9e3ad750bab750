/** `hubCertificateKeys` of `/healthz`: null while the hub takes this province's key announcements. */
export interface HubKeysStatus {
  code: string;
  since: string;
  nextAttemptAt: string;
}

/** The pusher's code for an older hub without POST /certificate-keys (server/sharing/status-list-pusher.ts). */
const HUB_LACKS_KEYS_ROUTE = "hub_certificate_keys_unsupported";

/**
 * The queue page's one line on the hub not taking this province's certificate keys, or null when
 * it does. A rotated key the hub has not listed is on no other province's trust list, so the
 * operators must see it where they watch deliveries. Times through `format` (the node's zone).
 */
export function hubKeysNotice(
  status: HubKeysStatus | null | undefined,
  format: (iso: string) => string,
): string | null {
  if (!status) return null;
  const when = `（自 ${format(status.since)} 起），下次尝试 ${format(status.nextAttemptAt)}`;
  if (status.code === HUB_LACKS_KEYS_ROUTE)
    return `全国中心暂不支持接收证书密钥公告${when}。轮换后的新签名密钥须待全国中心升级后才列入全国信任列表。`;
  return `全国中心未接收本省证书密钥公告（${status.code}）${when}。`;
}
