import type { RunningNode } from "../../../../server/main.js";

/**
 * The hub's RBAC matrix: every hub route × the hub's roles. The province matrix (../rbac.test.ts)
 * runs a province node, where the hub's routes do not exist; this one runs a hub node. Each hub
 * feature adds `test/integration/rbac/hub/<feature>.hub-table.ts` exporting `rows`.
 */
export const HUB_MATRIX_ROLES = ["anonymous", "admin", "hub_operator"] as const;
export type HubMatrixRole = (typeof HUB_MATRIX_ROLES)[number];

export interface HubRbacFixtures {
  node: RunningNode;
  /** A number unique per call, for resources that must not repeat. */
  unique(): number;
}

export interface HubRbacRow {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The Express route path under /api, exactly as registered. */
  path: string;
  /** The roles allowed; every other role (and nobody logged in) must be refused with 401/403/404. */
  allowed: readonly HubMatrixRole[];
  request(fx: HubRbacFixtures): { url: string; body?: unknown } | Promise<{ url: string; body?: unknown }>;
}
