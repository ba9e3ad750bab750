import type { RbacFixtures, RbacRow } from "./rbac-types.js";

/**
 * Rows of the province's sharing routes. The delivery queue is the province node's, not a
 * division's: officers and admins of any division see and retry it; the node key is public.
 * Lookups at the hub are officers' case work; the matrix node is connected to a real test hub.
 */

const everyone = {
  anonymous: "all",
  candidate: "all",
  examiner: "all",
  reviewer: "all",
  proctor: "all",
  officer: "all",
  admin: "all",
} as const;
const officers = { officer: "all", admin: "all" } as const;

/** A dead-lettered record to retry: each request gets its own (a retry makes it pending). */
async function aDeadEntry(fx: RbacFixtures): Promise<string> {
  const n = fx.unique();
  const res = await fx.node.ctx.conn.collection("sharing_outbound").insertOne({
    key: `rbac:${n}`, seq: 1_000_000 + n, idNumber: `rbac-${n}`, recordId: `rbac:${n}`, record: {}, status: "dead",
    attempts: 3, availableAt: new Date(), reasons: [{ code: "unknown_division", field: "issuingDivision", message: "矩阵测试" }],
  });
  return String(res.insertedId);
}

export const rows: RbacRow[] = [
  { method: "get", path: "/sharing/identity", access: everyone, request: () => ({ url: "/api/sharing/identity" }) },
  {
    method: "post",
    path: "/sharing/lookups",
    // Case work: officers only; an administrator runs the node, not lookups of people.
    access: { officer: "all" },
    request: () => ({
      url: "/api/sharing/lookups",
      body: { query: { by: "id_number", idNumber: "110101199003070014" }, reason: "filing", caseReference: "RBAC-1" },
    }),
  },
  { method: "get", path: "/sharing/lookup-notices", access: officers, request: () => ({ url: "/api/sharing/lookup-notices" }) },
  { method: "get", path: "/sharing/outbound", access: officers, request: () => ({ url: "/api/sharing/outbound?status=dead" }) },
  {
    method: "post",
    path: "/sharing/outbound/:id/retry",
    access: officers,
    request: async (fx) => ({ url: `/api/sharing/outbound/${await aDeadEntry(fx)}/retry`, body: {} }),
  },
];
