import type { StatusListBody } from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import { hubCopyMaxLag } from "./crypto/status-list.js";
import { formatShown } from "../lib/local-time.js";

/**
 * `agreedAt` is the hub's clock, a list's `generatedAt` the home's: the home pushes right after the
 * hub's receipt of its agreement, and a home clock a few seconds behind dated that list "before"
 * the agreement, refused until the next timed push. A list made that close to the agreement was
 * still made after the home agreed, which it does only for a valid certificate.
 */
const AGREEMENT_CLOCK_TOLERANCE_MS = 60_000;

/**
 * Refuses issuing on the hub's copy of the home province's status list when it may not show a
 * revocation that raced the transfer: the copy is up to a day old while unexpired, and a home that
 * revoked after agreeing (a penalty) saw its certificate carried over valid. The copy must be
 * within the lag the home keeps the hub's copy to (`hubCopyMaxLag`, the conformance kit's P06
 * bound: 15 minutes, or the list's ttl if longer) and made no earlier than the home agreed. Times
 * are written in the node's zone (`timeZone`, config.timeZone; no default, so a node in another
 * zone never reads China's wall time) as its pages write theirs (`formatShown`).
 */
export function refuseStaleHomeList(
  body: StatusListBody,
  now: Date,
  agreedAt: string | null,
  timeZone: string,
): void {
  const generated = Date.parse(body.generatedAt);
  const maxLagMs = hubCopyMaxLag(body.ttlMs);
  const agreed = agreedAt === null ? Number.NaN : Date.parse(agreedAt);
  const details = { generatedAt: body.generatedAt, maxLagMs, agreedAt };
  if (now.getTime() - generated > maxLagMs)
    throw errors.conflict(
      "source_status_stale",
      `全国中心保存的原籍省份证书状态列表生成于 ${formatShown(body.generatedAt, timeZone)}，已超过 ${Math.round(maxLagMs / 60_000)} 分钟未更新，可能未反映其后的注销或吊销，不能据此换发；请稍后再试，或请原籍省份检查其状态列表的推送`,
      details,
    );
  if (generated + AGREEMENT_CLOCK_TOLERANCE_MS < agreed)
    throw errors.conflict(
      "source_status_stale",
      `全国中心保存的原籍省份证书状态列表生成于 ${formatShown(body.generatedAt, timeZone)}，早于原籍省份同意转籍的时间 ${formatShown(new Date(agreed), timeZone)}，不能据此换发；请待原籍省份推送新的状态列表后再试`,
      details,
    );
}
