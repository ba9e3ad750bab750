import {
  CANCEL_AFTER_EXPIRY_DAYS,
  CANCELLATION_REASON_LABELS,
  type CancellationReason,
  type CertificateStatus,
} from "../contracts/certificates.js";
import { calendarDateText } from "../contracts/calendar-text.js";

/**
 * The certificate lifecycle as pure rules (道路运输从业人员管理规定): valid 6 years; renewal within
 * the configured window before expiry until 180 days after it; cancellation (注销) on the holder's
 * request, death, age, or automatically 180 days after expiry; revocation (吊销) and withdrawal
 * (撤销) with a reason. Only a valid certificate changes status, and within one issuance version
 * cancelled, revoked and withdrawn are final: a cancelled certificate comes back only as a new
 * version (a new pass, `issueOnto`, or the holder transferred back).
 *
 * Every date here is a China Standard Time calendar day (`YYYY-MM-DD`), what certificates print,
 * whatever zone the node displays in: callers read "today" with `chinaDate(now)`
 * (lib/local-time.ts).
 */
export const VALIDITY_YEARS = 6;
export { CANCEL_AFTER_EXPIRY_DAYS };

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The last valid day of a validity starting on `from`: six years later, minus one day. */
export function validityEnd(from: string): string {
  const d = new Date(`${from}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + VALIDITY_YEARS);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export type StatusAction = "cancel" | "revoke" | "withdraw";
/** A status a valid certificate can move to; none leads back to valid. */
export type EndStatus = Exclude<CertificateStatus, "valid">;

export const TARGET_STATUS: Record<StatusAction, EndStatus> = {
  cancel: "cancelled",
  revoke: "revoked",
  withdraw: "withdrawn",
};

export type Refusal = { code: string; message: string } | null;

export function refuseStatusChange(
  current: CertificateStatus,
  action: StatusAction,
  opts: { reason?: CancellationReason; validTo: string; today: string },
): Refusal {
  if (current !== "valid")
    return { code: "certificate_not_valid", message: "证书已不是有效状态，不能再变更" };
  if (
    action === "cancel" &&
    opts.reason === "expired_180_days" &&
    opts.today <= addDays(opts.validTo, CANCEL_AFTER_EXPIRY_DAYS)
  ) {
    return { code: "not_yet_lapsed", message: `有效期届满后 ${CANCEL_AFTER_EXPIRY_DAYS} 日才能因未换证注销` };
  }
  return null;
}

/**
 * Renewal is allowed from `windowDays` before the last valid day until 180 days after it (a late
 * renewal; past that the certificate is cancelled), for a valid certificate.
 */
export function refuseRenewal(
  current: CertificateStatus,
  validTo: string,
  today: string,
  windowDays: number,
): Refusal {
  if (current !== "valid") return { code: "certificate_not_valid", message: "证书已不是有效状态，不能换证" };
  if (today < addDays(validTo, -windowDays)) {
    return {
      code: "renewal_too_early",
      message: `有效期届满前 ${windowDays} 日内方可换证（${calendarDateText(addDays(validTo, -windowDays))} 起）`,
    };
  }
  // 有效期届满后 180 日内未换证的注销: until then a late renewal is still a renewal.
  if (today > addDays(validTo, CANCEL_AFTER_EXPIRY_DAYS))
    return {
      code: "renewal_too_late",
      message: `证书有效期届满已超过 ${CANCEL_AFTER_EXPIRY_DAYS} 日，不能换证，请重新参加考试`,
    };
  return null;
}

/** What a new pass does to the holder's certificate, or why it cannot be issued. */
export type IssueOnto =
  | { kind: "first_issue" | "category_added" | "reissue"; refusal?: undefined }
  | { kind?: undefined; refusal: NonNullable<Refusal> };

/** The province a transfer (转籍) moved the holder to, as this province's cancellation recorded it. */
export interface TransferredTo {
  /** The receiving authority's name as a message prints it (北京市道路运输管理机构). */
  authority: string;
  /** The serial of the certificate it issued in place of this one. */
  serial: string;
}

/**
 * How a pass in `categoryCode` is issued onto the holder's existing certificate (one per ID
 * number). A valid one gains the category; a cancelled one (注销: lapsed, given up) or one past its
 * 180 days (about to be cancelled) is issued anew for the category the holder passed; one in its
 * 180 days after expiry is renewed first. Revoked (吊销) and withdrawn (撤销) stay refused: whether
 * and when such a holder may hold a certificate again is an authority's decision, not a pass's.
 *
 * One cancelled on a transfer away (`transferredTo`) is refused too: the receiving province issued
 * its own certificate and manages the holder now (转籍: the receiving authority issues, the
 * original issuer cancels), so a re-issue here made a second valid certificate of one person in
 * another province (one licence per person across states, as EUCARIS/RESPER hold). Only a
 * transfer back through the exchange brings the holder home (it clears the record of the transfer
 * away, `supersededBy`, which `transferredTo` is read from).
 */
export function issueOnto(
  existing: {
    status: CertificateStatus;
    validTo: string;
    categoryCodes: readonly string[];
    transferredTo?: TransferredTo | null;
  } | null,
  categoryCode: string,
  today: string,
): IssueOnto {
  if (!existing) return { kind: "first_issue" };
  const away = existing.status === "cancelled" ? existing.transferredTo : null;
  if (away)
    return {
      refusal: {
        code: "holder_transferred_away",
        message:
          `该持证人已转籍，${away.authority}已换发新证（${away.serial}），其从业资格证现由${away.authority}管理，` +
          "本省不能凭此次考试合格另行发证（一人只持一证）。持证人转回本省的，请经跨省交换办理转回，换发后再对本记录发证（本记录保留待发）；" +
          `否则请告知持证人向${away.authority}申请增加此类别，并驳回本记录、注明原因`,
      },
    };
  if (existing.status === "revoked" || existing.status === "withdrawn")
    return {
      refusal: {
        code: "certificate_not_valid",
        message: `该持证人的证书已被${existing.status === "revoked" ? "吊销" : "撤销"}，不能凭考试合格发证`,
      },
    };
  if (existing.status === "cancelled" || isLapsed(existing.validTo, today)) return { kind: "reissue" };
  if (today > existing.validTo)
    return {
      refusal: {
        code: "renewal_due",
        message: `该持证人的证书已于 ${calendarDateText(existing.validTo)} 到期：请先办理换证（届满后 ${CANCEL_AFTER_EXPIRY_DAYS} 日内可办理），再发此类别`,
      },
    };
  if (existing.categoryCodes.includes(categoryCode))
    return { refusal: { code: "category_already_held", message: "该持证人已持有此类别" } };
  return { kind: "category_added" };
}

/** A lapsed certificate: valid status, last valid day more than 180 days ago. */
export function isLapsed(validTo: string, today: string): boolean {
  return today > addDays(validTo, CANCEL_AFTER_EXPIRY_DAYS);
}

/** The longest stored status reason: what a certificate record carries (its contract's bound). */
export const MAX_STATUS_REASON = 200;

/**
 * What public verification says of why a certificate is no longer valid: the cancellation's
 * ground (持证人死亡, 本人申请 …), which the officer picks from a fixed list, and nothing of the
 * officer's own words. Those are written for the office (a penalty's case, a person's
 * circumstances) and stay on the officer's pages; anyone holding the QR code can verify.
 */
export function publicStatusReason(statusReason: string | null): string | null {
  if (!statusReason) return null;
  const ground = Object.values(CANCELLATION_REASON_LABELS).find(
    (label) => statusReason === label || statusReason.startsWith(`${label}：`),
  );
  return ground ?? null;
}
