import {
  AUDIT_VERIFY_LEVELS,
  ESCALATION_LEVELS,
  LEGACY_REGISTER_LEVELS,
  PROVINCE_LEVELS,
  SHARING_QUEUE_LEVELS,
} from "../contracts/access-levels.js";
import type { Role } from "../contracts/auth.js";
import type { DivisionLevel } from "../contracts/organisation.js";

/** How an actor relates to an exam session: an officer through its division, a proctor through its test centre. */
export type SessionRelation = "officer_of_division" | "proctor_of_centre";

/**
 * What refusing a resource looks like: as if it did not exist (with the code a missing one answers,
 * so the two cannot be told apart), or a plain 403 with a message.
 */
export type Denial =
  { kind: "not_found"; what: string; code?: string } | { kind: "forbidden"; message?: string };

export interface Policy {
  /** Roles that may attempt the action at all; `"*"` means any signed-in account. */
  roles: readonly Role[] | "*";
  /**
   * Division levels (GB/T 2260: 部/省/市/县) whose accounts may attempt it; absent = every level.
   * A province-wide tool names the province level here once (contracts/access-levels.ts), and the
   * access layer refuses the others with `province_level_only`.
   */
  levels?: readonly DivisionLevel[];
  /** For session actions: the relations (any one suffices) the actor must have to the session. */
  session?: readonly SessionRelation[];
  /** How a session the actor has no relation to is refused. */
  deny?: Denial;
}

const STAFF: readonly Role[] = ["examiner", "reviewer", "proctor", "officer", "admin", "hub_operator"];
/** Who may read the bank's content (the key included): the people who write, review and administer it. */
const CONTENT_READERS: readonly Role[] = ["examiner", "reviewer", "admin"];

/**
 * Every action the system authorises, in one table: who may try it and, for session actions, how
 * they must relate to the session. Route guards and socket handlers both read this table through
 * `access.assert`; services still filter their queries by `divisionFilter`.
 */
export const POLICIES = {
  "account:self": { roles: "*" },
  "account:change-password": { roles: STAFF },
  "user:manage": { roles: ["admin"] },
  "audit:read": { roles: ["admin"] },
  /** Verifying the node's whole hash chain reads every division's entries: the province level's. */
  "audit:verify": { roles: ["admin"], levels: AUDIT_VERIFY_LEVELS },
  "division:read": { roles: "*" },
  "authority:read": { roles: ["admin", "officer"] },
  "organisation:manage": { roles: ["admin"] },
  "test-centre:read": { roles: ["admin", "officer", "proctor"] },
  "candidate:manage": { roles: ["officer"] },
  "ticket:read-own": { roles: ["candidate"] },
  "session:list": { roles: ["officer", "proctor"] },
  /** Reading a session, its seat map and tickets: its division's officers, its centre's proctors. */
  "session:read": {
    roles: ["officer", "proctor"],
    session: ["officer_of_division", "proctor_of_centre"],
    deny: { kind: "not_found", what: "考试场次" },
  },
  /** Scheduling a session, seating and unseating candidates: officers of its division. */
  "session:write": {
    roles: ["officer"],
    session: ["officer_of_division"],
    deny: { kind: "not_found", what: "考试场次" },
  },
  /** Controlling the room (check-in, release, pause, void …): the proctors of its test centre. */
  "session:proctor": {
    roles: ["proctor"],
    session: ["proctor_of_centre"],
    deny: { kind: "forbidden", message: "您不是本场次的监考员" },
  },
  /**
   * Watching the room: its proctors, and the officers of its division. Anyone else is answered as
   * if the session did not exist (as `session:read` answers), so the console cannot be used to
   * learn which session ids exist in other centres.
   */
  "session:watch": {
    roles: ["proctor", "officer"],
    session: ["proctor_of_centre", "officer_of_division"],
    deny: { kind: "not_found", what: "考试场次", code: "session_not_found" },
  },
  /** Results, the session report and attempt event chains: officers of its division. */
  "session:results": {
    roles: ["officer"],
    session: ["officer_of_division"],
    deny: { kind: "forbidden" },
  },
  /**
   * The bank and its blueprints (组卷方案: the pass mark, the retake rules) are one for the whole
   * province, every city's exams draw on them: province-level accounts only, as the examiner and
   * reviewer roles are granted only there (PROVINCE_LEVEL_ROLES). A city admin could otherwise
   * export every answer key or change the province's papers alone.
   */
  "question:read": { roles: CONTENT_READERS, levels: PROVINCE_LEVELS },
  "question:write": { roles: ["examiner"], levels: PROVINCE_LEVELS },
  "question:review": { roles: ["reviewer"], levels: PROVINCE_LEVELS },
  "question:retire": { roles: ["examiner", "reviewer"], levels: PROVINCE_LEVELS },
  /**
   * Bank content, as question:read (the route asks it of staff, province level included); a
   * candidate, whose division is a city's, only the images of their own paper (the route checks).
   */
  "question-image:read": { roles: [...CONTENT_READERS, "candidate"] },
  "blueprint:read": { roles: ["examiner", "reviewer", "admin", "officer"] },
  "blueprint:write": { roles: ["examiner", "admin"], levels: PROVINCE_LEVELS },
  /** A draft's publication, by someone other than its author (the service checks): no one publishes alone. */
  "blueprint:publish": { roles: ["reviewer", "admin"], levels: PROVINCE_LEVELS },
  "bank:import": { roles: ["examiner", "admin"], levels: PROVINCE_LEVELS },
  /**
   * Cross-province exchange (issue 13): officers at every level file,
   * transfer, report and answer; the services scope every case to the officer's division (the
   * sender's office on the way out, the issuing office on the way in).
   */
  "exchange:send": { roles: ["officer"] },
  "exchange:read": { roles: ["officer"] },
  "exchange:answer": { roles: ["officer"] },
  /** Overdue cases escalated to the province level (逾期督办): province-level officers only. */
  "exchange:escalations": { roles: ["officer"], levels: ESCALATION_LEVELS },
  "practitioner:read": { roles: ["officer"] },
  /** The ministry level on the hub: every case in the network. */
  "exchange:oversee": { roles: ["admin", "hub_operator"] },
  /** The hub's monthly report, data-quality scores and live dashboard (issue 13). */
  "hub-report:read": { roles: ["hub_operator", "admin"] },
  /** Publishing a signed monthly report is the platform's business, not the system administrator's. */
  "hub-report:publish": { roles: ["hub_operator"] },
  /** A check-in photo: its candidate, or the staff of its session (checked again per session). */
  "attempt-photo:read": { roles: "*" },
  /** Pending issuances, certificates, their PDFs and lifecycle changes (services scope them by division). */
  "certificate:manage": { roles: ["officer"] },
  /**
   * Rotating the node's certificate or trust-list signing key (a leaked key, a suite change): the
   * key signs every city's certificates, so province-level admins only, as `cert:rotate-key` is
   * run by the province's operators.
   */
  "certificate-key:rotate": { roles: ["admin"], levels: PROVINCE_LEVELS },
  /**
   * A province's delivery queue to the hub and its retry, and the lookups others made of its people:
   * the province's, not a division's, so province-level accounts only.
   */
  "sharing:queue": { roles: ["officer", "admin"], levels: SHARING_QUEUE_LEVELS },
  /**
   * Checking and publishing the legacy register (存量数据清洗) to the hub: it names holders of every
   * city, and the hub keeps what it is sent for good, so province-level accounts only (the service
   * also refuses rows issued outside the actor's division).
   */
  "sharing:register": { roles: ["officer", "admin"], levels: LEGACY_REGISTER_LEVELS },
  /** Looking a practitioner up at the hub (with a reason and a case): an officer's business only. */
  "sharing:lookup": { roles: ["officer"] },
  /** The hub's operator pages: registered provinces, the message log, rejections, lookups. */
  "hub:operate": { roles: ["admin", "hub_operator"] },
} as const satisfies Record<string, Policy>;

export type Action = keyof typeof POLICIES;
