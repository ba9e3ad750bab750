import { randomBytes } from "node:crypto";
import { io as ioClient, type Socket } from "socket.io-client";
import request from "supertest";
import type TestAgent from "supertest/lib/agent.js";
import type {
  AuthUser,
  CreateUserBody,
  LoginResultDto,
  StaffRole,
  StaffUserDto,
} from "../../server/contracts/auth.js";
import type { CategoryCode } from "../../server/contracts/categories.js";
import type { CandidateDto, Education, LicenceClass } from "../../server/contracts/registration.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../../server/contracts/scheduling.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/contracts/socket-events.js";
import { createStaffUser } from "../../server/auth/index.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { createOrganisationService } from "../../server/organisation/index.js";
import { createRegistrationService } from "../../server/registration/index.js";
import { createSchedulingService } from "../../server/scheduling/index.js";
import type { RunningNode } from "../../server/main.js";

/** A supertest agent holding a logged-in session, with the CSRF header set on every request. */
export interface AuthedAgent {
  agent: TestAgent;
  user: AuthUser;
  csrfToken: string;
  /** The `Cookie` header value of the session (for socket.io-client). */
  cookie: string;
}

export interface StaffOptions {
  roles: StaffRole[];
  /** Default: the node's province (or 000000 on the hub). */
  divisionCode?: string;
  testCentreId?: string;
  username?: string;
  password?: string;
  displayName?: string;
}

/** The password every helper-made staff user gets unless told otherwise. */
export const TEST_PASSWORD = "Test-Passw0rd-2026";

/**
 * The body an admin sends to create a staff user (POST /api/users): a fresh username, the test
 * password, and what the test names (roles and division always; anything else to override).
 */
export function newUserBody(
  fields: Pick<CreateUserBody, "roles" | "divisionCode"> & Partial<CreateUserBody>,
): CreateUserBody {
  return {
    username: `u_${randomBytes(5).toString("hex")}`,
    displayName: `测试${fields.roles.join("/")}`,
    password: TEST_PASSWORD,
    ...fields,
  };
}

/** Creates a staff user directly in the node's database. */
export async function createStaff(
  node: RunningNode,
  options: StaffOptions,
): Promise<{ user: StaffUserDto; username: string; password: string }> {
  const username = options.username ?? `u_${randomBytes(5).toString("hex")}`;
  const password = options.password ?? TEST_PASSWORD;
  const user = await createStaffUser(
    node.ctx.conn,
    node.ctx.config.provinceCode,
    {
      username,
      password,
      displayName: options.displayName ?? `测试${options.roles.join("/")}`,
      roles: options.roles,
      divisionCode: options.divisionCode ?? node.ctx.config.provinceCode ?? "000000",
      ...(options.testCentreId ? { testCentreId: options.testCentreId } : {}),
    },
    node.ctx.config.timeZone,
  );
  return { user, username, password };
}

/** A fresh agent with a CSRF token (not logged in); `cookie` is its `Cookie` header value. */
export async function anonymousAgent(
  node: RunningNode,
): Promise<{ agent: TestAgent; csrfToken: string; cookie: string }> {
  const agent = request.agent(node.url);
  const res = await agent.get("/api/auth/csrf").expect(200);
  const csrfToken = (res.body as { csrfToken: string }).csrfToken;
  agent.set("x-csrf-token", csrfToken);
  // A visitor's token is signed, not stored: no session cookie yet, only the CSRF nonce's.
  const cookies = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  return { agent, csrfToken, cookie: cookies.map((c) => c.split(";")[0] ?? "").join("; ") };
}

function sessionCookie(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith("roadcert.sid="));
  if (!c) throw new Error("login did not set the session cookie");
  return c.split(";")[0] ?? "";
}

/** Logs a staff user in; throws with the server's error body when the login fails. */
export async function loginStaff(
  node: RunningNode,
  username: string,
  password: string,
): Promise<AuthedAgent> {
  const { agent } = await anonymousAgent(node);
  const res = await agent.post("/api/auth/login").send({ username, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as LoginResultDto;
  agent.set("x-csrf-token", body.csrfToken);
  return {
    agent,
    user: body.user,
    csrfToken: body.csrfToken,
    cookie: sessionCookie(res.headers["set-cookie"]),
  };
}

/** Creates a staff user with the given roles and division and returns their logged-in agent. */
export async function staffAgent(
  node: RunningNode,
  options: StaffOptions,
): Promise<AuthedAgent & { staff: StaffUserDto }> {
  const { user, username, password } = await createStaff(node, options);
  return { ...(await loginStaff(node, username, password)), staff: user };
}

/** Logs a candidate in (ID number + ticket number, from the seat with `seatToken`). */
export async function loginCandidate(
  node: RunningNode,
  credentials: { idNumber: string; ticketNo: string; seatToken?: string },
): Promise<AuthedAgent> {
  const { agent } = await anonymousAgent(node);
  const res = await agent.post("/api/auth/candidate-login").send(credentials);
  if (res.status !== 200)
    throw new Error(`candidate login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as LoginResultDto;
  agent.set("x-csrf-token", body.csrfToken);
  return {
    agent,
    user: body.user,
    csrfToken: body.csrfToken,
    cookie: sessionCookie(res.headers["set-cookie"]),
  };
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Connects socket.io-client with the session cookie (websocket transport); resolves once connected,
 * rejects with the handshake error (e.g. unauthenticated). Disconnect it in `after`.
 */
export function connectSocket(
  node: RunningNode,
  who: { cookie: string } | null,
  options: { autoConnect?: boolean } = {},
): Promise<TestSocket> {
  const socket: TestSocket = ioClient(node.url, {
    transports: ["websocket"],
    extraHeaders: who ? { cookie: who.cookie } : {},
    reconnection: false,
    forceNew: true,
    autoConnect: options.autoConnect ?? true,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** A JPEG-looking photo (magic bytes + padding) for registrations. */
export const TEST_PHOTO = {
  mimeType: "image/jpeg" as const,
  dataBase64: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(60)]).toString("base64"),
};

let sequence = 0;
/**
 * A fresh valid ID number (南京 玄武区, born 1970–1989, so of age for the default licence date of
 * 2010) unique within the test run.
 */
export function uniqueIdNumber(
  options: { divisionCode?: string; birthDate?: string; sex?: "male" | "female" } = {},
): string {
  sequence += 1;
  const base = (process.pid * 7 + sequence * 2) % 998;
  const seq = options.sex === "female" ? base - (base % 2) + 2 : base - (base % 2) + 1;
  const year = 1970 + ((process.pid + sequence) % 20);
  const birth = options.birthDate ?? `${year}-0${1 + (sequence % 9)}-1${sequence % 10}`;
  return makeIdNumber(options.divisionCode ?? "320102", birth, seq % 1000);
}

function systemActor(node: RunningNode): AuthUser {
  const division = node.ctx.config.provinceCode ?? "000000";
  return {
    id: "test-system",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "测试",
    divisionCode: division,
    provinceCode: node.ctx.config.provinceCode,
  };
}

export interface TestRoom {
  testCentreId: string;
  roomId: string;
  seats: { seatId: string; seatNo: number; seatToken: string }[];
  divisionCode: string;
}

/** A test centre with one room whose seats all have kiosk seat tokens. */
export async function createTestRoom(
  node: RunningNode,
  options: { seats?: number; divisionCode?: string } = {},
): Promise<TestRoom> {
  const actor = systemActor(node);
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const divisionCode = options.divisionCode ?? "320100";
  const centre = await org.createTestCentre(actor, {
    name: `考点${randomBytes(3).toString("hex")}`,
    address: "测试路 1 号",
    divisionCode,
  });
  const room = await org.addRoom(actor, centre.id, { name: "第一考场", seatCount: options.seats ?? 4 });
  const seats = [];
  for (const s of room.seats) {
    const r = await org.updateSeat(actor, centre.id, room.id, s.id, { issueToken: true });
    seats.push({ seatId: s.id, seatNo: s.seatNo, seatToken: r.seatToken ?? "" });
  }
  return { testCentreId: centre.id, roomId: room.id, seats, divisionCode };
}

export interface CandidateOptions {
  name?: string;
  idNumber?: string;
  categories?: CategoryCode[];
  divisionCode?: string;
  /** Where the candidate lives (default 320102, 南京 秦淮区). */
  addressDivisionCode?: string;
  education?: Education;
  licenceClass?: LicenceClass;
  licenceFirstIssuedOn?: string;
  /** An applicant who does not drive (装卸管理人员, 押运人员): no licence at all. */
  withoutLicence?: boolean;
}

/** Registers an eligible candidate directly (default: passenger-driver applicant in 南京). */
export async function registerTestCandidate(
  node: RunningNode,
  options: CandidateOptions = {},
): Promise<CandidateDto> {
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  return reg.register(systemActor(node), {
    name: options.name ?? "张测试",
    idNumber: options.idNumber ?? uniqueIdNumber(),
    phone: "13800000000",
    addressDivisionCode: options.addressDivisionCode ?? "320102",
    education: options.education ?? "senior_middle",
    ...(options.withoutLicence
      ? {}
      : {
          licenceClass: options.licenceClass ?? "A1",
          licenceFirstIssuedOn: options.licenceFirstIssuedOn ?? "2010-01-01",
        }),
    categories: options.categories ?? ["01001"],
    heldQualifications: [],
    declarations: { noMajorAccident3y: true, noDrunkDriving: true, hazmatTraining: true },
    divisionCode: options.divisionCode ?? "320100",
    photo: TEST_PHOTO,
  });
}

/** Seats a registered candidate in a session (lowest free seat unless `seatId`); returns the assignment. */
export async function assignTestCandidate(
  node: RunningNode,
  sessionId: string,
  candidateId: string,
  seatId?: string,
): Promise<SeatAssignmentDto> {
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  const sched = createSchedulingService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
    organisation: org,
    registration: reg,
  });
  return sched.assign(systemActor(node), sessionId, seatId ? { candidateId, seatId } : { candidateId });
}

/**
 * A 01001 session in `room`, or in a new room of that many seats (南京), scheduled by `officer`
 * through the REST route as the office page does, starting at `startsAt`; the session as the
 * route answers it.
 */
export async function aSessionThroughApi(
  node: RunningNode,
  officer: AuthedAgent,
  startsAt: Date,
  roomOrSeats: TestRoom | number = 1,
): Promise<ExamSessionDto> {
  const room =
    typeof roomOrSeats === "number" ? await createTestRoom(node, { seats: roomOrSeats }) : roomOrSeats;
  const created = await officer.agent
    .post("/api/exam-sessions")
    .send({
      categoryCode: "01001",
      testCentreId: room.testCentreId,
      roomId: room.roomId,
      startsAt: startsAt.toISOString(),
    })
    .expect(201);
  return (created.body as { session: ExamSessionDto }).session;
}

export interface ScheduledCandidates {
  room: TestRoom;
  session: ExamSessionDto;
  candidates: (CandidateDto & { assignment: SeatAssignmentDto; seatToken: string })[];
}

/**
 * A complete scheduling fixture: a room with `count` seats (tokens issued), `count` registered
 * candidates, a session of `categoryCode` starting `startsInMinutes` from now (default 5: the
 * candidate login window is already open), every candidate seated with a ticket. Log a candidate
 * in with `loginCandidate(node, { idNumber, ticketNo: assignment.ticketNo, seatToken })`.
 */
export async function scheduleCandidates(
  node: RunningNode,
  options: {
    count?: number;
    categoryCode?: CategoryCode;
    startsInMinutes?: number;
    durationMinutes?: number;
    lateEntryMinutes?: number;
    earliestHandInMinutes?: number;
  } = {},
): Promise<ScheduledCandidates> {
  const count = options.count ?? 2;
  const room = await createTestRoom(node, { seats: count });
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  const sched = createSchedulingService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
    organisation: org,
    registration: reg,
  });
  const session = await sched.createSession(systemActor(node), {
    categoryCode: options.categoryCode ?? "01001",
    testCentreId: room.testCentreId,
    roomId: room.roomId,
    startsAt: new Date(Date.now() + (options.startsInMinutes ?? 5) * 60_000).toISOString(),
    durationMinutes: options.durationMinutes ?? 60,
    lateEntryMinutes: options.lateEntryMinutes ?? 20,
    earliestHandInMinutes: options.earliestHandInMinutes ?? 30,
  });
  const candidates = [];
  for (let i = 0; i < count; i++) {
    const c = await registerTestCandidate(node, { name: `考生${i + 1}`, categories: [session.categoryCode] });
    const seat = room.seats[i];
    if (!seat) throw new Error("not enough seats");
    const assignment = await sched.assign(systemActor(node), session.id, {
      candidateId: c.id,
      seatId: seat.seatId,
    });
    candidates.push({ ...c, assignment, seatToken: seat.seatToken });
  }
  const fresh = await sched.getSession(session.id);
  return { room, session: fresh ?? session, candidates };
}

/**
 * A logged-in staff agent for the calling describe block, made in its `before` on the node of
 * `env` (register `env` first, e.g. `useTestNode()`, so the node is up by then).
 */
export function useStaffAgent(
  env: { readonly node: RunningNode },
  options: StaffOptions,
): AuthedAgent & { staff: StaffUserDto } {
  let made: (AuthedAgent & { staff: StaffUserDto }) | undefined;
  before(async () => {
    made = await staffAgent(env.node, options);
  });
  const get = () => {
    if (!made) throw new Error("useStaffAgent: the agent is only available inside tests");
    return made;
  };
  return {
    get agent() {
      return get().agent;
    },
    get user() {
      return get().user;
    },
    get csrfToken() {
      return get().csrfToken;
    },
    get cookie() {
      return get().cookie;
    },
    get staff() {
      return get().staff;
    },
  };
}
