import type { EligibilityDto } from "@contracts/registration.js";
import type { ApiError } from "@/shared/api.js";

/** What a registration dialog shows of a refusal: the message, and each category that failed. */
export interface EligibilityFailure {
  message: string;
  eligibility: EligibilityDto[];
}

/** The failed categories a refusal carries (`not_eligible`), or none: the message alone then. */
export function failureOf(err: ApiError): EligibilityFailure {
  const details = err.details as { eligibility?: EligibilityDto[] } | undefined;
  return { message: err.message, eligibility: (details?.eligibility ?? []).filter((e) => !e.eligible) };
}
