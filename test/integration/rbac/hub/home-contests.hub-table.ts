import { randomUUID } from "node:crypto";
import type { HubRbacFixtures, HubRbacRow } from "./hub-rbac-types.js";

/**
 * Rows of the contested homes (home-contests.ts): the operators (hub:operate, admins included)
 * list contests, reassign a contested home or dismiss the contest; nobody else reaches any.
 */
const operators = ["admin", "hub_operator"] as const;

/** An open contest of a fresh practitioner, written straight to the hub's database: one per decision. */
async function anOpenContest(fx: HubRbacFixtures): Promise<string> {
  const db = fx.node.ctx.conn;
  const n = fx.unique();
  const idNumber = `RBAC${String(n).padStart(14, "0")}`;
  const at = new Date();
  await db.collection("hub_practitioners").insertOne({
    idNumber,
    name: "权限测试",
    homeProvince: "320000",
    categories: [],
    certificateNumber: null,
    certificateStatus: "cancelled",
    validTo: null,
    version: 1,
    recordHash: "0".repeat(64),
    lastSeq: 0,
    filedWith: [],
    updatedAt: at,
  });
  // The home goes only to an active node (claimant_not_active): the claimant is registered.
  await db.collection("hub_nodes").updateOne(
    { provinceCode: "440000" },
    {
      $setOnInsert: {
        provinceCode: "440000",
        name: "广东",
        status: "active",
        nodeKeys: [],
        certificateKeys: [],
        registeredAt: at,
      },
    },
    { upsert: true },
  );
  const contestId = randomUUID();
  await db.collection("hub_home_contests").insertOne({
    contestId,
    idNumber,
    name: "权限测试",
    homeProvince: "320000",
    claimant: "440000",
    pointerVersion: 1,
    recordId: `cert:${idNumber}`,
    recordType: "certificate",
    firstAt: at,
    lastAt: at,
    attempts: 1,
    state: "open",
    resolvedAt: null,
    resolvedBy: null,
    reason: null,
  });
  return contestId;
}

export const rows: HubRbacRow[] = [
  {
    method: "get",
    path: "/hub/home-contests",
    allowed: operators,
    request: () => ({ url: "/api/hub/home-contests" }),
  },
  {
    method: "post",
    path: "/hub/home-contests/:contestId/reassign",
    allowed: operators,
    request: async (fx) => ({
      url: `/api/hub/home-contests/${await anOpenContest(fx)}/reassign`,
      body: { reason: "权限测试改定" },
    }),
  },
  {
    method: "post",
    path: "/hub/home-contests/:contestId/dismiss",
    allowed: operators,
    request: async (fx) => ({
      url: `/api/hub/home-contests/${await anOpenContest(fx)}/dismiss`,
      body: { reason: "权限测试驳回" },
    }),
  },
];
