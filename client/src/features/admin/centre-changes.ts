import type { TestCentreDto, UpdateTestCentreBody } from "@contracts/organisation.js";
import type { z } from "zod";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { changedFields } from "../../shared/changed-fields.js";

/**
 * What 修改考点 sends: only the fields the admin changed, or null when none was: then nothing is
 * sent and the page says 未作修改, where it said 考点已修改 after a request that changed nothing.
 */
export function centreChanges(
  c: Pick<TestCentreDto, "name" | "address">,
  typed: { name: string; address: string },
): z.input<typeof UpdateTestCentreBody> | null {
  return changedFields({ name: c.name, address: c.address }, typed);
}
