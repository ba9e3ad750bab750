import type { AuthUser } from "../../../server/contracts/auth.js";
import type { RunningNode } from "../../../server/main.js";
import type { TestHub } from "../hub/support.js";

/**
 * The RBAC matrix (one table, every route × role × own/other division). Each feature adds a file
 * `test/integration/rbac/<feature>.table.ts` exporting `rows: RbacRow[]` (and optionally `setup`);
 * `rbac.test.ts` merges every table and fails for any route of the router that no row covers.
 */

/** The actors of the matrix: every role on a province node, plus nobody logged in. */
export const MATRIX_ROLES = [
  "anonymous",
  "candidate",
  "examiner",
  "reviewer",
  "proctor",
  "officer",
  "admin",
] as const;
export type MatrixRole = (typeof MATRIX_ROLES)[number];

/**
 * `all`: allowed whatever the actor's division; `own`: allowed only for an actor in the fixture
 * resources' division (denied for the other division's actor); absent: denied.
 */
export type Access = "all" | "own";

/** Ids of resources in one division (`own` = 320100 南京, `other` = 320500 苏州). */
export interface DivisionFixtures {
  divisionCode: string;
  authorityId: string;
  testCentreId: string;
  roomId: string;
  seatId: string;
  /** A staff user (a proctor of its centre) of the division. */
  userId: string;
  candidateId: string;
  idNumber: string;
  ticketNo: string;
  seatToken: string;
  /** The session the division's candidate is seated and checked in for: it starts minutes ahead. */
  sessionId: string;
  /**
   * A session of the division days ahead with free seats, for rows that seat or unseat candidates:
   * a session refuses those once it has started (`session_started`).
   */
  seatingSessionId: string;
}

export interface RbacFixtures {
  node: RunningNode;
  /** The test hub the matrix node is connected to (its node key registered). */
  hub: TestHub;
  own: DivisionFixtures;
  other: DivisionFixtures;
  /** What each table's `setup` returned, by table file name (e.g. `extra["question-bank"]`). */
  extra: Record<string, Record<string, string>>;
  /** Staff login that the login row can use. */
  login: { username: string; password: string };
  /** A number unique per call, for names that must not repeat. */
  unique(): number;
}

export interface RbacRequest {
  url: string;
  body?: unknown;
}

export interface RbacRow {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The Express route path under /api, exactly as registered (e.g. `/exam-sessions/:id`). */
  path: string;
  access: Partial<Record<MatrixRole, Access>>;
  /**
   * Builds the request; the target resources are normally `fx.own`'s. May create data first.
   * `actor` is the logged-in user the request is sent as (absent for anonymous, and where a caller
   * sends it as no one in particular): a row whose server checks the actor's own earlier act (an
   * exchange case cites the acting officer's own lookup) makes that act as them.
   */
  request(fx: RbacFixtures, actor?: AuthUser): RbacRequest | Promise<RbacRequest>;
  /**
   * For lists: whether the response includes the own division's resource. Checked to be true for
   * the own-division actor and false for the other division's when the row is allowed for both.
   */
  includesOwn?(body: unknown, fx: RbacFixtures): boolean;
  /** Run each request with a newly logged-in agent (login/logout rows change the session). */
  fresh?: boolean;
}

export interface RbacTable {
  rows: RbacRow[];
  setup?(node: RunningNode, fx: Omit<RbacFixtures, "extra">): Promise<Record<string, string>>;
}
