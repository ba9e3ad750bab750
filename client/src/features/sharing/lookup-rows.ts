import { CERTIFICATE_STATUS_LABELS } from "@contracts/certificates.js";
import type { ExchangeKind } from "@contracts/exchange.js";
import type { PractitionerView } from "@contracts/hub.js";

/** How a match's certificate reads in the lookup's table: its word and the tag's colour. */
interface CertificateTag {
  label: string;
  type: "success" | "warning" | "danger" | "info";
}

/** Past its last valid day (`validTo` before `today`, both `YYYY-MM-DD`). */
function expired(match: Pick<PractitionerView, "validTo">, today: string): boolean {
  return match.validTo !== null && match.validTo < today;
}

/**
 * A valid certificate past its `validTo` reads 已过期: its status stays 有效 at the hub until the
 * home province cancels it (180 days after expiry), yet it no longer qualifies its holder.
 * `today` is the node's calendar day (`todayInZone`).
 */
export function certificateTag(
  match: Pick<PractitionerView, "certificateStatus" | "validTo">,
  today: string,
): CertificateTag {
  const status = match.certificateStatus;
  if (!status) return { label: "未发证", type: "info" };
  if (status !== "valid") return { label: CERTIFICATE_STATUS_LABELS[status], type: "danger" };
  if (expired(match, today)) return { label: "已过期", type: "warning" };
  return { label: CERTIFICATE_STATUS_LABELS.valid, type: "success" };
}

/**
 * Why the hub would refuse a case of `kind` for this match (hub-case-check.ts), so 选择 is
 * disabled with the reason instead of leading to a form the hub refuses; null when it may be chosen.
 * Every kind is refused for the officer's own province's practitioner (`own_practitioner`); a
 * notice is taken whatever the certificate's state (a penalty reaches the home province anyway).
 */
export function selectRefusal(
  match: Pick<PractitionerView, "certificateStatus" | "certificateNumber" | "validTo" | "homeProvince">,
  context: { kind: ExchangeKind; ownProvince: string | null; today: string },
): string | null {
  if (context.ownProvince && match.homeProvince === context.ownProvince)
    return "本省人员的资格由本省管理，无需跨省办理";
  if (context.kind === "notice") return null;
  const doing = context.kind === "filing" ? "备案" : "转籍";
  if (!match.certificateNumber || !match.certificateStatus)
    return `该人员尚未取得从业资格证（未发证），不能${doing}`;
  if (match.certificateStatus !== "valid")
    return `该人员的从业资格证已${CERTIFICATE_STATUS_LABELS[match.certificateStatus]}，不能${doing}`;
  if (expired(match, context.today))
    return `该人员的从业资格证已于 ${match.validTo} 过期，须换证后方可${doing}`;
  return null;
}
