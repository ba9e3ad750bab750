import { z } from "zod";
import { envInt } from "./config-values.js";

/**
 * Minutes before a session's scheduled start when its candidates may first log in (the candidate
 * login in server/auth reads it here): check-in opens then (`exam.checkInOpensMinutes`), and no
 * release may come earlier (EXAM_EARLY_RELEASE_MAX_MINUTES is bounded by it).
 */
export const SESSION_DOORS_OPEN_MINUTES = 30;

/**
 * The environment keys of exam delivery (answer saves, early release, room booking, extensions),
 * with the settings they become. Part of config.ts's key list, kept apart by concern.
 */
export const ExamKeys = z.object({
  /** How long after the deadline in-flight answer saves are still accepted. */
  EXAM_GRACE_SECONDS: envInt(0, 60).default(5),
  /**
   * Answer saves arriving within this many ms of the previous database write of saves wait for
   * the rest of it and go in one bulk write (group commit, issue 17): each save's ack waits at
   * most this much longer, and saves a few ms apart share a round trip. 0 groups only saves that
   * meet in one turn of the event loop or behind a write in flight.
   */
  EXAM_SAVE_GROUP_MS: envInt(0, 50).default(4),
  /**
   * Groups of answer saves written to the database at once (pipelining): 1 makes a save that
   * arrives while a group is out wait for that group's whole round trip.
   */
  EXAM_SAVE_GROUPS_IN_FLIGHT: envInt(1, 8).default(2),
  /**
   * Attempts whose last known state this instance keeps, so a save costs one write and no read.
   * Beyond it the oldest copies are dropped, and candidates who take turns then find theirs gone
   * every time: a save becomes a read and a write. Size it above the candidates one instance
   * serves at once (about 2.5 KB each).
   */
  EXAM_ATTEMPT_CACHE_SIZE: envInt(1, 1_000_000).default(20_000),
  /**
   * Releasing a room before its scheduled start: `reason` lets the proctor do it with a written
   * reason (audited as 提前放行), `refuse` forbids it.
   */
  EXAM_EARLY_RELEASE: z.enum(["reason", "refuse"]).default("reason"),
  /**
   * How many minutes before its scheduled start a room may be released at the earliest (with the
   * reason EXAM_EARLY_RELEASE asks for). Each deadline is the release plus the session's length,
   * and candidates may log in only from SESSION_DOORS_OPEN_MINUTES before the start: a room
   * released earlier spent their time before they could sit, and ran outside its room booking.
   */
  EXAM_EARLY_RELEASE_MAX_MINUTES: envInt(0, SESSION_DOORS_OPEN_MINUTES).default(SESSION_DOORS_OPEN_MINUTES),
  /**
   * Minutes a room stays booked after a session's last regular deadline (start + late entry +
   * length), for accommodations and extensions; a deadline beyond it extends the booking if the
   * room is free.
   */
  EXAM_ROOM_RESERVE_MINUTES: envInt(0, 240).default(30),
  /**
   * Extra time a proctor may give alone (DOMAIN: time changes need a second authorisation): an
   * extension after which the candidate's extra time in all (extensions, outage credit and
   * accommodation) would reach this many minutes waits for a second proctor or officer to
   * approve it. 0 sends every extension for approval. The proctor can ask for approval below it.
   */
  EXAM_EXTENSION_APPROVAL_MINUTES: envInt(0, 600).default(20),
  /**
   * The longest the deadline sweep holds an attempt open past its deadline and grace for a
   * room-wide outage (断点续考): while the seat is caught in an outage not yet credited, or its
   * outage credit waits for a second approver (server/exams closing.ts). Past it the attempt is
   * closed as at any deadline, so unplugging a room cannot buy unlimited time. 0: no hold.
   */
  EXAM_OUTAGE_HOLD_MAX_MS: envInt(0, 4 * 3_600_000).default(30 * 60_000),
});

/** The `exam` settings of the configuration (config.ts). */
export function examSettings(e: z.infer<typeof ExamKeys>) {
  return {
    graceSeconds: e.EXAM_GRACE_SECONDS,
    saveGroupMs: e.EXAM_SAVE_GROUP_MS,
    saveGroupsInFlight: e.EXAM_SAVE_GROUPS_IN_FLIGHT,
    attemptCacheSize: e.EXAM_ATTEMPT_CACHE_SIZE,
    earlyRelease: e.EXAM_EARLY_RELEASE,
    earlyReleaseMaxMinutes: e.EXAM_EARLY_RELEASE_MAX_MINUTES,
    checkInOpensMinutes: SESSION_DOORS_OPEN_MINUTES,
    roomReserveMinutes: e.EXAM_ROOM_RESERVE_MINUTES,
    extensionApprovalMinutes: e.EXAM_EXTENSION_APPROVAL_MINUTES,
    outageHoldMaxMs: e.EXAM_OUTAGE_HOLD_MAX_MS,
  };
}
