import type { MatrixRole, Access, RbacRow } from "./rbac-types.js";

/** Every actor of the matrix, anonymous included. */
export const EVERYONE = {
  anonymous: "all",
  candidate: "all",
  examiner: "all",
  reviewer: "all",
  proctor: "all",
  officer: "all",
  admin: "all",
} as const;

/** Every logged-in actor, candidates included. */
export const LOGGED_IN = {
  candidate: "all",
  examiner: "all",
  reviewer: "all",
  proctor: "all",
  officer: "all",
  admin: "all",
} as const;

/**
 * A row whose request is the route itself under /api, with no parameters and no body (most list
 * and public routes): the url cannot drift from the path it covers. `more` adds or overrides
 * fields (includesOwn, fresh).
 */
export function routeRow(
  method: RbacRow["method"],
  path: string,
  access: Partial<Record<MatrixRole, Access>>,
  more: Partial<RbacRow> = {},
): RbacRow {
  return { method, path, access, request: () => ({ url: `/api${path}` }), ...more };
}
