import type TestAgent from "supertest/lib/agent.js";
import { createStaff, loginStaff } from "../../helpers/auth.js";
import { expectUnknownKeyRefused, UNKNOWN_KEY, withUnknownParam } from "../../helpers/unknown-key.js";
import { allRowsOf, buildRbacWorld, loadRbacTables } from "../rbac/fixtures.js";
import { MATRIX_ROLES, type RbacFixtures, type RbacRow } from "../rbac/rbac-types.js";

const tables = await loadRbacTables();
const rows = allRowsOf(tables);
const key = (row: RbacRow) => `${row.method.toUpperCase()} ${row.path}`;

/**
 * Every route of a province node (the RBAC tables' rows, which cover each one with a valid request),
 * sent that request by an actor it allows, plus one key nobody defined: in the query, and for a
 * write also in the body. Each must be refused. A route that ignored it answered as if the key were
 * absent: `GET /certificates?status=revoked` listed every certificate, `POST
 * /certificates/:no/renew {"years":3}` renewed on the usual terms.
 */
describe("Unknown keys in requests: every route refuses what it would otherwise ignore", function () {
  this.timeout(180_000);
  let world: Awaited<ReturnType<typeof buildRbacWorld>>;
  let fx: RbacFixtures;
  /**
   * The matrix has no province-level staff; the routes only they may use (an officer's sharing
   * queue, an administrator's audit chain check) get one account holding both roles.
   */
  let provinceStaff: () => Promise<TestAgent>;

  before(async () => {
    world = await buildRbacWorld(tables);
    fx = world.fx;
    const made = await createStaff(fx.node, { roles: ["officer", "admin"], divisionCode: "320000" });
    provinceStaff = async () => (await loginStaff(fx.node, made.username, made.password)).agent;
  });
  after(async () => world?.stop());

  /** An agent of an actor the row allows (in the fixtures' own division), fresh when the row needs it. */
  async function allowedAgent(row: RbacRow): Promise<TestAgent> {
    const role = MATRIX_ROLES.find((r) => row.access[r] === "all" || row.access[r] === "own");
    const actor = role ? world.actors.get(`${role}:own`) : undefined;
    if (!actor) return provinceStaff();
    return row.fresh ? (await actor.fresh()).agent : actor.session.agent;
  }

  for (const row of rows) {
    const part = row.method === "get" ? "its query" : "its body or query";
    it(`when ${key(row)} carries a key ${part} does not name, then it is refused with validation_failed`, async () => {
      const req = await row.request(fx);
      const agent = await allowedAgent(row);
      expectUnknownKeyRefused(
        await agent[row.method](withUnknownParam(req.url)).send(req.body as object | undefined),
        "query",
      );
      if (row.method === "get") return;
      const again = await row.request(fx);
      const body = { ...((again.body as object | undefined) ?? {}), [UNKNOWN_KEY]: 1 };
      expectUnknownKeyRefused(await (await allowedAgent(row))[row.method](again.url).send(body), "body");
    });
  }
});
