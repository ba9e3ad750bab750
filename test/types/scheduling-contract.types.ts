/**
 * Type-level tests of the scheduling contract, checked by `npm run typecheck` (never run by mocha).
 * `cancelsWithChanges` names the fields of a session change by hand; a field added to
 * `UpdateSessionBody` but not to that list would not be typed there, so the lists must stay equal.
 */
import type { cancelsWithChanges, UpdateSessionBody } from "../../server/contracts/scheduling.js";

/** `true` only when the two key sets are the same, in both directions. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

export const cancelsWithChangesNamesEveryField: SameKeys<
  Parameters<typeof cancelsWithChanges>[0],
  UpdateSessionBody
> = true;
