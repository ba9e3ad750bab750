import { randomBytes } from "node:crypto";
import { io as ioClient, type Socket } from "socket.io-client";
import request from "supertest";
import type TestAgent from "supertest/lib/agent.js";
import type { AuthUser, LoginResultDto, StaffRole } from "../../server/contracts/auth.js";
import type { CreateUserBody, StaffUserDto } from "../../server/contracts/staff-accounts.js";
import type { ExamSessionDto } from "../../server/contracts/scheduling.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/contracts/socket-events.js";
import { createStaffUser } from "../../server/auth/index.js";
import type { RunningNode } from "../../server/main.js";
import { createTestRoom, type TestRoom } from "./candidates.js";

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

/** The candidate and room fixtures (candidates.ts), reachable where tests have always imported them. */
export {
  TEST_PHOTO,
  assignTestCandidate,
  createTestRoom,
  registerTestCandidate,
  scheduleCandidates,
  uniqueIdNumber,
  type CandidateOptions,
  type ScheduledCandidates,
  type TestRoom,
} from "./candidates.js";

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
