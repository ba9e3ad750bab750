import { errors } from "../lib/errors.js";
import { isKnownDivision } from "../organisation/index.js";

/** The fields of exchange messages that name an office, and how a refusal names them. */
const OFFICE_FIELDS = {
  "officer.divisionCode": "经办机构",
  "issuingAuthority.divisionCode": "发证机关",
} as const;

/**
 * Refuses an office (an officer's division, an issuing authority's) that is not a current GB/T 2260
 * division of the signing province `signer` (same first two digits). The contracts check six
 * digits only; the hub keys a filing's one-open-case rule by the filing division and shows the
 * division to the other province as the office that acted, so a division made up (999999), out of
 * date or another province's let one province open any number of filings of one person, each
 * seeming to come from another office.
 */
export function assertOwnOffice(divisionCode: string, signer: string, field: keyof typeof OFFICE_FIELDS): void {
  if (isKnownDivision(divisionCode) && divisionCode.slice(0, 2) === signer.slice(0, 2)) return;
  throw errors.unprocessable(
    "office_division_invalid",
    `${OFFICE_FIELDS[field]}的行政区划代码 ${divisionCode} 不是本省现行的 GB/T 2260 行政区划`,
    { field, divisionCode },
  );
}
