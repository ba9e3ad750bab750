import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect } from "chai";
import type TestAgent from "supertest/lib/agent.js";
import { createApp } from "../../../server/app.js";
import { createFeatures } from "../../../server/features.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import {
  anonymousAgent,
  createStaff,
  createTestRoom,
  loginCandidate,
  loginStaff,
  registerTestCandidate,
  staffAgent,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";
import { enumerateApiRoutes } from "../../helpers/routes.js";
import {
  MATRIX_ROLES,
  type DivisionFixtures,
  type RbacFixtures,
  type RbacRow,
  type RbacTable,
} from "./rbac-types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tableFiles = readdirSync(here)
  .filter((f) => f.endsWith(".table.ts"))
  .sort();
const tables: { name: string; table: RbacTable }[] = [];
for (const file of tableFiles) {
  tables.push({
    name: file.replace(/\.table\.ts$/, ""),
    table: (await import(pathToFileURL(path.join(here, file)).href)) as RbacTable,
  });
}
const allRows: RbacRow[] = tables.flatMap((t) => t.table.rows);

type Node = Awaited<ReturnType<typeof startTestNode>>;
type Side = "own" | "other";

interface Actor {
  agent: TestAgent;
  /** Logs the same actor in again on a new agent (for rows that change the session). */
  fresh(): Promise<TestAgent>;
}

const key = (row: RbacRow) => `${row.method.toUpperCase()} ${row.path}`;

async function buildDivision(node: Node, divisionCode: string, seats: number): Promise<DivisionFixtures> {
  const { conn, config } = node.ctx;
  const actor: AuthUser = {
    id: "rbac",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "rbac",
    divisionCode: "320000",
    provinceCode: config.provinceCode,
  };
  const org = createOrganisationService(conn, config.provinceCode);
  const reg = createRegistrationService(conn, { provinceCode: config.provinceCode });
  const sched = createSchedulingService(conn, {
    provinceCode: config.provinceCode,
    organisation: org,
    registration: reg,
  });
  const authority = await org.createAuthority(actor, { name: `运管处${divisionCode}`, divisionCode });
  const room = await createTestRoom(node, { seats, divisionCode });
  const first = room.seats[0];
  if (!first) throw new Error("no seat");
  const examiner = await createStaff(node, { roles: ["examiner"], divisionCode });
  const candidate = await registerTestCandidate(node, { divisionCode });
  const session = await sched.createSession(actor, {
    categoryCode: "01001",
    testCentreId: room.testCentreId,
    roomId: room.roomId,
    startsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    durationMinutes: 60,
    lateEntryMinutes: 20,
    earliestHandInMinutes: 30,
  });
  const assignment = await sched.assign(actor, session.id, {
    candidateId: candidate.id,
    seatId: first.seatId,
  });
  return {
    divisionCode,
    authorityId: authority.id,
    testCentreId: room.testCentreId,
    roomId: room.roomId,
    seatId: first.seatId,
    userId: examiner.user.id,
    candidateId: candidate.id,
    idNumber: candidate.idNumber,
    ticketNo: assignment.ticketNo,
    seatToken: first.seatToken,
    sessionId: session.id,
  };
}

describe("RBAC matrix: every route × role × own/other division", function () {
  this.timeout(180_000);
  let node: Node;
  let hub: TestHub;
  let fx: RbacFixtures;
  const actors = new Map<string, Actor>();

  before(async () => {
    // A real hub, so the routes that ask it (officer lookups) answer as they do in the network.
    hub = await startTestHub();
    node = await aProvinceOfHub(hub, "320000", { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" });
    let counter = 0;
    const own = await buildDivision(node, "320100", 40);
    const other = await buildDivision(node, "320500", 4);
    const loginUser = await createStaff(node, { roles: ["examiner"], divisionCode: "320100" });
    const base = {
      node,
      hub,
      own,
      other,
      login: { username: loginUser.username, password: loginUser.password },
      unique: () => ++counter,
    };
    const extra: Record<string, Record<string, string>> = {};
    for (const { name, table } of tables) if (table.setup) extra[name] = await table.setup(node, base);
    fx = { ...base, extra };

    for (const side of ["own", "other"] as const) {
      const d = fx[side];
      for (const role of MATRIX_ROLES) {
        let fresh: () => Promise<TestAgent>;
        if (role === "anonymous") {
          fresh = async () => (await anonymousAgent(node)).agent;
        } else if (role === "candidate") {
          fresh = async () =>
            (
              await loginCandidate(node, {
                idNumber: d.idNumber,
                ticketNo: d.ticketNo,
                seatToken: d.seatToken,
              })
            ).agent;
        } else {
          const made = await createStaff(node, {
            roles: [role],
            divisionCode: d.divisionCode,
            ...(role === "proctor" ? { testCentreId: d.testCentreId } : {}),
          });
          fresh = async () => (await loginStaff(node, made.username, made.password)).agent;
        }
        actors.set(`${role}:${side}`, { agent: await fresh(), fresh });
      }
    }
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
          const req = await row.request(fx);
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
