import type { RbacFixtures, RbacRow } from "./rbac-types.js";
import { routeRow, EVERYONE } from "./row-builders.js";

/**
 * Rows of the province's sharing routes. The delivery queue, the lookup notices and the legacy
 * register are the province node's, not a division's: only province-level officers and admins see,
 * retry, check and publish them (province_level_only), and the matrix's actors are all of a city,
 * so every one is refused; the province-level answers are tested in sharing/queue-access.test.ts
 * and sharing/legacy-register-access.test.ts. The node key is public. Lookups at the hub are
 * officers' case work; the matrix node is connected to a real test hub.
 */

/** Province-level tools: the matrix's city-level actors are all refused. */
const provinceLevelOnly = {} as const;

/** A dead-lettered outbox entry to retry: each request gets its own (a retry makes it pending). */
async function aDeadEntry(fx: RbacFixtures): Promise<string> {
  const n = fx.unique();
  const res = await fx.node.ctx.conn.collection("outbox").insertOne({
    key: `rbac:${n}`, name: "exam.passed", payload: {}, subject: `rbac-${n}`, status: "done", attempts: 1, availableAt: new Date(),
    createdAt: new Date(), deliveries: { hub: { status: "failed", attempts: 3, availableAt: new Date(), lastError: "hub rejected the record",
      result: { recordId: `pass:rbac-${n}`, outcome: "rejected", reasons: [{ code: "unknown_division", field: "issuingDivision", message: "矩阵测试" }] } } },
  });
  return String(res.insertedId);
}

/** A one-row clean register (a published re-send is answered duplicate, so every request succeeds). */
const REGISTER = {
  fileName: "register.csv",
  dataBase64: Buffer.from(
    "姓名,身份证号,从业资格类别,证号,发证机关,发证机关代码,初领日期,发证日期,有效期起,有效期至,状态\n" +
      "矩阵,320102198503150019,02001,320102198503150019,南京市道路运输管理机构,320100,2015-03-01,2021-03-01,2021-03-01,2027-02-28,有效\n",
  ).toString("base64"),
};

export const rows: RbacRow[] = [
  { method: "post", path: "/sharing/legacy-register/check", access: provinceLevelOnly, request: () => ({ url: "/api/sharing/legacy-register/check", body: REGISTER }) },
  { method: "post", path: "/sharing/legacy-register/publish", access: provinceLevelOnly, request: () => ({ url: "/api/sharing/legacy-register/publish", body: REGISTER }) },
  routeRow("get", "/sharing/identity", EVERYONE),
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
  routeRow("get", "/sharing/lookup-notices", provinceLevelOnly),
  { method: "get", path: "/sharing/outbound", access: provinceLevelOnly, request: () => ({ url: "/api/sharing/outbound?status=dead" }) },
  {
    method: "post",
    path: "/sharing/outbound/:id/retry",
    access: provinceLevelOnly,
    request: async (fx) => ({ url: `/api/sharing/outbound/${await aDeadEntry(fx)}/retry`, body: {} }),
  },
];
