import { expect } from "chai";
import type TestAgent from "supertest/lib/agent.js";
import { createApp } from "../../../server/app.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createFeatures } from "../../../server/features.js";
import { staffAgent } from "../../helpers/auth.js";
import type { TestHub } from "../hub/support.js";
import { enumerateApiRoutes } from "../../helpers/routes.js";
import { allRowsOf, buildRbacWorld, loadRbacTables, type RbacNode, type Side } from "./fixtures.js";
import { MATRIX_ROLES, type RbacFixtures, type RbacRow } from "./rbac-types.js";

const tables = await loadRbacTables();
const allRows: RbacRow[] = allRowsOf(tables);

type Node = RbacNode;

interface Actor {
  agent: TestAgent;
  /** Who is logged in (none for anonymous): the rows that act as them first get it (RbacRow.request). */
  user?: AuthUser;
  /** Logs the same actor in again on a new agent (for rows that change the session). */
  fresh(): Promise<TestAgent>;
}

const key = (row: RbacRow) => `${row.method.toUpperCase()} ${row.path}`;

describe("RBAC matrix: every route × role × own/other division", function () {
  this.timeout(180_000);
  let node: Node;
  let hub: TestHub;
  let fx: RbacFixtures;
  const actors = new Map<string, Actor>();

  before(async () => {
    // A real hub, so the routes that ask it (officer lookups) answer as they do in the network.
    const world = await buildRbacWorld(tables);
    ({ node, hub, fx } = world);
    for (const [k, a] of world.actors) actors.set(k, { agent: a.session.agent, user: a.session.user, fresh: async () => (await a.fresh()).agent });
    // staffAgent is the public helper; exercised here so the matrix also proves it logs in.
    expect((await staffAgent(node, { roles: ["officer"], divisionCode: "320100" })).user.roles).to.deep.equal(
      ["officer"],
    );
  });

  after(async () => {
    await node?.stop();
    await hub?.node.stop();
  });

  it("when the router is enumerated, then every /api route has a row and every row a route", () => {
    // The same composition as the running node (socket.io wraps the server's request listener, so
    // the app is rebuilt from the node's context rather than dug out of the HTTP server).
    const { config, logger, conn } = node.ctx;
    const app = createApp({ config, logger, conn, features: createFeatures(node.ctx) });
    const routes = enumerateApiRoutes(app);
    expect(routes.length).to.be.greaterThan(10);
    const covered = new Set(allRows.map(key));
    const missing = routes.filter((r) => !covered.has(r));
    const stale = [...covered].filter((r) => !routes.includes(r));
    expect(
      missing,
      `routes without an RBAC row (add them to a test/integration/rbac/*.table.ts)`,
    ).to.deep.equal([]);
    expect(stale, "RBAC rows for routes that do not exist").to.deep.equal([]);
    expect(allRows.length, "duplicate rows").to.equal(covered.size);
  });

  for (const row of allRows) {
    const expectations = MATRIX_ROLES.map((r) => `${r}:${row.access[r] ?? "none"}`).join(" ");
    it(`${key(row)} → ${expectations}`, async () => {
      const problems: string[] = [];
      for (const role of MATRIX_ROLES) {
        for (const side of ["own", "other"] as Side[]) {
          const access = row.access[role];
          const allowed = access === "all" || (access === "own" && side === "own");
          const actor = actors.get(`${role}:${side}`);
          if (!actor) throw new Error(`no actor ${role}:${side}`);
          const agent = row.fresh ? await actor.fresh() : actor.agent;
          const req = await row.request(fx, actor.user);
          const res = await agent[row.method](req.url).send(req.body as object | undefined);
          const ok = res.status >= 200 && res.status < 400;
          const denied = res.status === 401 || res.status === 403 || res.status === 404;
          const body = JSON.stringify(res.body).slice(0, 160);
          if (allowed && !ok) problems.push(`${role}/${side}: expected allow, got ${res.status} ${body}`);
          if (!allowed && !denied) problems.push(`${role}/${side}: expected deny, got ${res.status} ${body}`);
          if (allowed && ok && row.includesOwn && access === "all") {
            const includes = row.includesOwn(res.body, fx);
            if (includes !== (side === "own")) {
              problems.push(
                `${role}/${side}: list ${includes ? "shows" : "hides"} the own division's resource`,
              );
            }
          }
        }
      }
      expect(problems).to.deep.equal([]);
    });
  }
});
