import {
  CERTIFICATE_STATUS_LABELS,
  type CertificateStatus,
  type SignedCertificateRecord,
} from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";

/**
 * This node's certificate of a person whose transfer (转籍) it is asked to agree to, read by the
 * certificates feature across the whole node (not only the officer's divisions):
 * - `signed`: valid, as signed; it goes with the agreement and the receiving province verifies it
 *   and issues from it;
 * - `held`: one this node holds but cannot send — not valid (revoked, cancelled, withdrawn), or
 *   valid but out of the answering officer's divisions — with its status;
 * - `none`: this node holds no certificate of the person (a holder of its old register): the hub
 *   sends its own record of them instead.
 * Telling `held` from `none` is the point: the hub's copy of this province's record lags behind a
 * revocation still waiting in this node's queue (hub unreachable, node suspended, record parked).
 */
export type TransferSource =
  | { held: "signed"; certificate: SignedCertificateRecord }
  | { held: "held"; status: CertificateStatus }
  | { held: "none" };

/**
 * The agreement to a transfer on `source`: the certificate that goes with it and the note on the
 * case. Refuses when this node holds a certificate it cannot send: agreed without one, the hub
 * sent its copy of our record (valid until our revocation reached it) and the receiving province
 * issued a valid certificate on a revoked one. The not-valid refusal uses the hub's code for a
 * filing or transfer on such a certificate, so the officer sees one answer whoever gives it.
 */
export function agreementOn(source: TransferSource): {
  certificate: SignedCertificateRecord | null;
  note: string;
} {
  if (source.held === "signed")
    return { certificate: source.certificate, note: "已附本省证书（签名）供对方核验换发" };
  if (source.held === "none")
    return { certificate: null, note: "本节点无该人员的证书（历史登记），对方据全国中心的记录换发" };
  if (source.status === "valid")
    throw errors.conflict(
      "certificate_out_of_division",
      "本省该人员的有效证书不在你的管辖范围内，不能代为同意转籍；请由发证机关或上级机关答复",
    );
  throw errors.conflict(
    "certificate_not_valid",
    `本省该人员的从业资格证已${CERTIFICATE_STATUS_LABELS[source.status]}，不能同意转籍；请答复存在问题`,
    { status: source.status },
  );
}
