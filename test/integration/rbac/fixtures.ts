import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { RunningNode } from "../../../server/main.js";
import {
  anonymousAgent,
  createStaff,
  createTestRoom,
  loginCandidate,
  loginStaff,
  registerTestCandidate,
  type AuthedAgent,
} from "../../helpers/auth.js";
import type { TestNode } from "../../helpers/node.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";
import {
  MATRIX_ROLES,
  type DivisionFixtures,
  type MatrixRole,
  type RbacFixtures,
  type RbacRow,
  type RbacTable,
} from "./rbac-types.js";

/**
 * The RBAC matrix's world, shared by the matrix (rbac.test.ts) and the fuzz sweep: every table,
 * a province node of a real hub with resources in two divisions, and a login for each role there.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every `*.table.ts` beside this file, by name. */
export async function loadRbacTables(): Promise<{ name: string; table: RbacTable }[]> {
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".table.ts"))
    .sort();
  const tables: { name: string; table: RbacTable }[] = [];
  for (const file of files) {
    tables.push({
      name: file.replace(/\.table\.ts$/, ""),
      table: (await import(pathToFileURL(path.join(here, file)).href)) as RbacTable,
    });
  }
  return tables;
}

export type RbacNode = TestNode;
export type Side = "own" | "other";

/** Two days, in minutes: how far ahead a session starts whose seats or times rows change. */
const DAYS_AHEAD = 2 * 24 * 60;

/** A logged-in actor (anonymous: a session with only a CSRF token) and a way to log in again. */
export interface RbacActor {
  /** `user`: who is logged in (none for anonymous), for RbacRow.request's `actor`. */
  session: Pick<AuthedAgent, "agent" | "cookie" | "csrfToken"> & { user?: AuthUser };
  fresh(): Promise<Pick<AuthedAgent, "agent" | "cookie" | "csrfToken"> & { user?: AuthUser }>;
}

/**
 * A session `startsInMinutes` ahead in `room` (an hour long). Five minutes for the session its
 * candidate sits (inside the login and check-in window); days for a session whose seats or times
 * rows change, which a session refuses once it has started (`session_started`): a loaded combined
 * run can outlast five minutes, never days.
 */
function sessionBody(room: { testCentreId: string; roomId: string }, startsInMinutes: number) {
  return {
    categoryCode: "01001" as const,
    testCentreId: room.testCentreId,
    roomId: room.roomId,
    startsAt: new Date(Date.now() + startsInMinutes * 60_000).toISOString(),
    durationMinutes: 60,
    lateEntryMinutes: 20,
    earliestHandInMinutes: 30,
  };
}

/**
 * Another session of `divisionCode`, in a room of its own, nobody seated: for a row that changes a
 * session's times or rules, which the fixture's own session refuses once a row checked its
 * candidate in.
 */
/** The organisation, registration and scheduling services of the node, built as the node builds them. */
function servicesOf(node: RunningNode) {
  const { conn, config } = node.ctx;
  const org = createOrganisationService(conn, config.provinceCode, undefined, { timeZone: config.timeZone });
  const reg = createRegistrationService(conn, { provinceCode: config.provinceCode, timeZone: config.timeZone });
  const sched = createSchedulingService(conn, {
    provinceCode: config.provinceCode,
    timeZone: config.timeZone,
    organisation: org,
    registration: reg,
  });
  return { org, reg, sched };
}

export async function anEmptySession(node: RunningNode, divisionCode: string): Promise<string> {
  const { config } = node.ctx;
  const { sched } = servicesOf(node);
  const room = await createTestRoom(node, { seats: 1, divisionCode });
  const actor: AuthUser = {
    id: "rbac",
    kind: "staff",
    roles: ["officer"],
    displayName: "rbac",
    divisionCode: "320000",
    provinceCode: config.provinceCode,
  };
  return (await sched.createSession(actor, sessionBody(room, DAYS_AHEAD))).id;
}

async function buildDivision(node: RbacNode, divisionCode: string, seats: number): Promise<DivisionFixtures> {
  const { config } = node.ctx;
  const actor: AuthUser = {
    id: "rbac",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "rbac",
    divisionCode: "320000",
    provinceCode: config.provinceCode,
  };
  const { org, sched } = servicesOf(node);
  const authority = await org.createAuthority(actor, { name: `运管处${divisionCode}`, divisionCode });
  const room = await createTestRoom(node, { seats, divisionCode });
  const first = room.seats[0];
  if (!first) throw new Error("no seat");
  // Not an examiner (the province's role only), nor an officer (the identity table takes the
  // division's first officer to be the matrix's).
  const staffUser = await createStaff(node, {
    roles: ["proctor"],
    divisionCode,
    testCentreId: room.testCentreId,
  });
  const candidate = await registerTestCandidate(node, { divisionCode });
  const session = await sched.createSession(actor, sessionBody(room, 5));
  // In the same room, long after the first session's booking ends: rows seat and unseat there.
  const seatingSession = await sched.createSession(actor, sessionBody(room, DAYS_AHEAD));
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
    userId: staffUser.user.id,
    candidateId: candidate.id,
    idNumber: candidate.idNumber,
    ticketNo: assignment.ticketNo,
    seatToken: first.seatToken,
    sessionId: session.id,
    seatingSessionId: seatingSession.id,
  };
}

/**
 * A hub, a province node of it (so the routes that ask the hub answer as in the network), both
 * divisions' resources, every table's own setup, and one actor per role and side.
 */
export async function buildRbacWorld(
  tables: { name: string; table: RbacTable }[],
  env: Record<string, string> = {},
): Promise<{
  node: RbacNode;
  hub: TestHub;
  fx: RbacFixtures;
  actors: Map<`${MatrixRole}:${Side}`, RbacActor>;
  stop(): Promise<void>;
}> {
  const hub = await startTestHub();
  // Keys older than the six-year-old certificate the renewal row issues (a node signs nothing dated
  // before its key was made).
  const node = await aProvinceOfHub(hub, "320000", {
    LOGIN_RATE_LIMIT_PER_MINUTE: "100000",
    CERT_KEYS_DIR: signingKeysDir({ madeAt: new Date(Date.now() - 7 * 365 * 86_400_000) }),
    ...env,
  });
  let counter = 0;
  const own = await buildDivision(node, "320100", 40);
  const other = await buildDivision(node, "320500", 4);
  const loginUser = await createStaff(node, {
    roles: ["proctor"],
    divisionCode: "320100",
    testCentreId: own.testCentreId,
  });
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
  const fx: RbacFixtures = { ...base, extra };

  const actors = new Map<`${MatrixRole}:${Side}`, RbacActor>();
  for (const side of ["own", "other"] as const) {
    const d = fx[side];
    for (const role of MATRIX_ROLES) {
      let fresh: RbacActor["fresh"];
      if (role === "anonymous") {
        fresh = () => anonymousAgent(node);
      } else if (role === "candidate") {
        fresh = () => loginCandidate(node, { idNumber: d.idNumber, ticketNo: d.ticketNo, seatToken: d.seatToken });
      } else {
        // Examiners and reviewers exist at the province level only (PROVINCE_LEVEL_ROLES): on
        // both sides they are the province's, and the bank they work on is the province's too.
        const provinceOnly = role === "examiner" || role === "reviewer";
        const made = await createStaff(node, {
          roles: [role],
          divisionCode: provinceOnly ? (node.ctx.config.provinceCode ?? d.divisionCode) : d.divisionCode,
          ...(role === "proctor" ? { testCentreId: d.testCentreId } : {}),
        });
        fresh = () => loginStaff(node, made.username, made.password);
      }
      actors.set(`${role}:${side}`, { session: await fresh(), fresh });
    }
  }
  return {
    node,
    hub,
    fx,
    actors,
    stop: async () => {
      await node.stop();
      await hub.node.stop();
    },
  };
}

/** Every row of every table. */
export function allRowsOf(tables: { table: RbacTable }[]): RbacRow[] {
  return tables.flatMap((t) => t.table.rows);
}
