import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import { canSeeDivision } from "../access/index.js";
import { errors } from "../lib/errors.js";

/** A category this node certified the person for, and the division whose certificate it is. */
export interface CertifiedHeld {
  categoryCode: CategoryCode;
  firstIssuedOn: string;
  /** The certificate's division: its officers (and those above) manage it. */
  divisionCode: string;
}

/** A held category as eligibility reads it. */
export type Held = { categoryCode: CategoryCode; firstIssuedOn: string };

/**
 * What `actor` may learn of a person's certificate: all of it when the person is theirs, nothing
 * otherwise (`elsewhere`). Whose the person is, is said by their registration on this node when
 * they have one (`registeredIn`): a certificate's division is the exam session's room, so a city's
 * session certifies a county's candidate, and the county officer reads their own candidate's
 * certificate. A holder with no registration here (transferred in, say) is the certificate's
 * divisions'. An officer of another city reads the holder as a free ID number, as a registration
 * elsewhere is read (the precheck's rule): already_held and the two-year prerequisite would
 * otherwise tell any officer which categories anyone in the province holds, two thousand people per
 * import dry run.
 */
export function heldInScope(
  actor: AuthUser,
  held: readonly CertifiedHeld[],
  registeredIn: string | null | undefined,
): { held: Held[]; elsewhere: boolean } {
  const elsewhere = registeredIn
    ? !canSeeDivision(actor.divisionCode, registeredIn)
    : held.some((h) => !canSeeDivision(actor.divisionCode, h.divisionCode));
  return { held: elsewhere ? [] : held.map(heldOnly), elsewhere };
}

/** A certified category as eligibility reads it (the certificate's division left out). */
export function heldOnly(h: CertifiedHeld): Held {
  return { categoryCode: h.categoryCode, firstIssuedOn: h.firstIssuedOn };
}

/**
 * The one refusal to register an ID number the officer may not learn about: a person registered
 * outside their divisions, or a holder certified outside them. The same code and words for both, so
 * neither is told apart from the other, and the officer is sent to the province, which sees both.
 */
export function idNumberUnavailable() {
  return errors.conflict("id_number_unavailable", "该身份证号码无法在本辖区登记，请联系省级管理部门");
}
