import type { TestCentreDto, UpdateTestCentreBody } from "@contracts/organisation.js";
import type { z } from "zod";

/**
 * What 修改考点 sends: only the fields the admin changed, or null when none was: then nothing is
 * sent and the page says 未作修改, where it said 考点已修改 after a request that changed nothing.
 */
export function centreChanges(
  c: Pick<TestCentreDto, "name" | "address">,
  typed: { name: string; address: string },
): z.input<typeof UpdateTestCentreBody> | null {
  const body: { name?: string; address?: string } = {};
  if (typed.name !== c.name) body.name = typed.name;
  if (typed.address !== c.address) body.address = typed.address;
  return Object.keys(body).length > 0 ? body : null;
}
