import { z } from "zod";
import { QualificationRecord } from "./hub.js";
import { readablePersonName, readableText } from "./exchange-text.js";

/**
 * The hub's copy of a home province's certificate record as the exchange hands it on (an agreed
 * legacy transfer's `sourceRecord` in the inbox, and GET /cases/{caseId}/source-record). Records the
 * hub took before it refused invisible characters in names (40d2cd0) still hold them; refused here,
 * one stopped the receiving province's inbox and its issuance. Its two names are cleaned as the
 * exchange's received names are (exchange-text.ts); every other field is the collection
 * interface's, so the hub's answer still states that interface's rules.
 */
const certificate = QualificationRecord.shape.certificate.unwrap();
const practitioner = QualificationRecord.shape.practitioner;

export const ReceivedQualificationRecord = QualificationRecord.extend({
  practitioner: practitioner
    .extend({ name: readablePersonName("received", 1, 50) })
    .meta(practitioner.meta() ?? {}),
  certificate: certificate
    // Cleaned, not trimmed: the record otherwise stays as the province signed it.
    .extend({ issuingAuthority: readableText(z.string().min(1).max(100), "received", "发证机关") })
    .meta(certificate.meta() ?? {})
    .optional(),
});
export type ReceivedQualificationRecord = z.infer<typeof ReceivedQualificationRecord>;
