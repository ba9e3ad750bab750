import type { AuthUser } from "../../../server/contracts/auth.js";
import { aFiling, type TestProvince } from "./support.js";

/** What a refused exchange call must have thrown: its stable code, HTTP status and message. */
export interface Refusal {
  code: string;
  status: number;
  message: string;
}

/**
 * The refusal `work` ends in (the service's AppError); a call that goes through fails the test, as
 * the exchange stories below expect a refusal there.
 */
export async function refusalOf(work: Promise<unknown>): Promise<Refusal> {
  const err = await work.then(
    () => null,
    (e: unknown) => e as Refusal,
  );
  if (!err) throw new Error("expected a refusal");
  return { code: err.code, status: err.status, message: err.message };
}

/**
 * `officer` of `province` looks `practitioner` up at the hub and files them citing that lookup, as
 * a filing is made: the lookup (to cite again) and the filed case.
 */
export async function lookUpAndFile(
  province: TestProvince,
  officer: AuthUser,
  practitioner: { idNumber: string; name: string },
) {
  const found = await province.lookup(officer, practitioner.idNumber);
  const filed = await province.exchange.file(officer, {
    lookupId: found.lookupId,
    practitioner,
    details: aFiling(),
  });
  return { found, filed };
}
