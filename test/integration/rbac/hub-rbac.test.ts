import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect } from "chai";
import type TestAgent from "supertest/lib/agent.js";
import { createApp } from "../../../server/app.js";
import { createFeatures } from "../../../server/features.js";
import { anonymousAgent, staffAgent } from "../../helpers/auth.js";
import { enumerateApiRoutes } from "../../helpers/routes.js";
import { startTestHub, type TestHub } from "../hub/support.js";
import { HUB_MATRIX_ROLES, type HubMatrixRole, type HubRbacRow } from "./hub/hub-rbac-types.js";

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), "hub");
interface HubTable {
  rows: HubRbacRow[];
  setup?(fx: { publish(month: string): Promise<void> }): Promise<void>;
}
const tables: HubTable[] = [];
for (const file of readdirSync(here).filter((f) => f.endsWith(".hub-table.ts")).sort())
  tables.push((await import(pathToFileURL(path.join(here, file)).href)) as HubTable);
const allRows = tables.flatMap((t) => t.rows);
const key = (row: HubRbacRow) => `${row.method.toUpperCase()} ${row.path}`;

/**
 * Route prefixes whose every route must have a row here. Other hub routes (the registry, message
 * log and exchange pages) are guarded by their own features and may add tables; listing a prefix
 * here makes its coverage enforced.
 */
const ENFORCED_PREFIXES = ["/hub/report/", "/hub/v1/reports", "/hub/home-contests"];

describe("hub RBAC matrix: every report route × hub role", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let counter = 0;
  const agents = new Map<HubMatrixRole, TestAgent>();

  before(async () => {
    hub = await startTestHub();
    const operator = await staffAgent(hub.node, { roles: ["hub_operator"] });
    agents.set("hub_operator", operator.agent);
    agents.set("admin", (await staffAgent(hub.node, { roles: ["admin"] })).agent);
    agents.set("anonymous", (await anonymousAgent(hub.node)).agent);
    const publish = async (month: string) => {
      const res = await operator.agent.post(`/api/hub/report/months/${month}/publish`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    };
    for (const t of tables) await t.setup?.({ publish });
  });
  after(async () => {
    await hub?.node.stop();
  });

  it("when the hub's router is enumerated, then every report route has a row and every row a route", () => {
    const { config, logger, conn } = hub.node.ctx;
    const app = createApp({ config, logger, conn, features: createFeatures(hub.node.ctx) });
    const routes = enumerateApiRoutes(app);
    const covered = new Set(allRows.map(key));
    const enforced = routes.filter((r) => ENFORCED_PREFIXES.some((p) => r.split(" ")[1]!.startsWith(p)));
    expect(enforced.length).to.be.greaterThan(3);
    expect(enforced.filter((r) => !covered.has(r)), "hub routes without a row").to.deep.equal([]);
    expect([...covered].filter((r) => !routes.includes(r)), "rows for routes that do not exist").to.deep.equal([]);
    expect(allRows.length, "duplicate rows").to.equal(covered.size);
  });

  for (const row of allRows) {
    it(`${key(row)} → ${HUB_MATRIX_ROLES.map((r) => `${r}:${row.allowed.includes(r) ? "allow" : "deny"}`).join(" ")}`, async () => {
      const problems: string[] = [];
      for (const role of HUB_MATRIX_ROLES) {
        const req = await row.request({ node: hub.node, unique: () => ++counter });
        const res = await agents.get(role)![row.method](req.url).send(req.body as object | undefined);
        const ok = res.status >= 200 && res.status < 400;
        const denied = res.status === 401 || res.status === 403 || res.status === 404;
        const body = JSON.stringify(res.body).slice(0, 160);
        if (row.allowed.includes(role) && !ok) problems.push(`${role}: expected allow, got ${res.status} ${body}`);
        if (!row.allowed.includes(role) && !denied) problems.push(`${role}: expected deny, got ${res.status} ${body}`);
      }
      expect(problems).to.deep.equal([]);
    });
  }
});
