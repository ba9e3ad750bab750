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
 * What `actor` may learn of a person's certificate: all of it when the certificate is in their
 * divisions, nothing otherwise (`elsewhere`). An officer of another city reads the holder as a free
 * ID number, as a registration elsewhere is read (the precheck's rule): already_held and the
 * two-year prerequisite would otherwise tell any officer which categories anyone in the province
 * holds, two thousand people per import dry run.
 */
export function heldInScope(
  actor: AuthUser,
  held: readonly CertifiedHeld[],
): { held: Held[]; elsewhere: boolean } {
  const elsewhere = held.some((h) => !canSeeDivision(actor.divisionCode, h.divisionCode));
  return {
    held: elsewhere
      ? []
      : held.map((h) => ({ categoryCode: h.categoryCode, firstIssuedOn: h.firstIssuedOn })),
    elsewhere,
  };
}

/**
 * The refusal to register a holder certified outside the officer's divisions: the same code and
 * words as for a person registered elsewhere, so neither is told apart from the other, and the
 * officer is sent to the province, which sees both.
 */
export function holderElsewhere() {
  return errors.conflict("id_number_unavailable", "该身份证号码无法在本辖区登记，请联系省级管理部门");
}
