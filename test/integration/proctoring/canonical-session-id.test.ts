import { expect } from "chai";
import type { Ack } from "../../../server/contracts/errors.js";
import type { IncidentDto, ProctorActionResultDto, SessionRoomDto } from "../../../server/contracts/exams.js";
import { rooms } from "../../../server/exams/index.js";
import { fixtureScheduling } from "../../../scripts/bench/exam-fixtures.js";
import {
  connectSocket,
  scheduleCandidates,
  staffAgent,
  type ScheduledCandidates,
} from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { callRaw, ok, type ExamSocket } from "../exams/support/clients.js";
import { proctoringConsoleOver } from "../exams/support/proctoring-console.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";

/** The refusals an id the server will not take may be answered with (never "ok, nothing done"). */
const INVALID_ID = ["validation_failed", "invalid_id", "session_not_found"];

/**
 * A session id is an ObjectId, which the database's own lookup also takes in upper case: the
 * console was authorised on the session that lookup found, then acted with the id as typed on
 * records that store it in lower case, and so on nothing (a release audited with nobody released,
 * an incident missing from the room's list, a watched room that never got a seat update).
 */
describe("proctoring: a session id typed in upper case", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  async function aCheckedInRoom(): Promise<{ fixture: ScheduledCandidates; proctor: ExamSocket }> {
    const fixture = await scheduleCandidates(env.node, {
      count: 2,
      startsInMinutes: 1,
      earliestHandInMinutes: 0,
    });
    const staff = await staffAgent(env.node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const proctor = (await connectSocket(env.node, staff)) as unknown as ExamSocket;
    for (const c of fixture.candidates)
      ok(
        (await callRaw(proctor, "proctor:check_in", {
          sessionId: fixture.session.id,
          candidateId: c.id,
          idNumber: c.idNumber,
        })) as Ack<unknown>,
      );
    return { fixture, proctor };
  }

  const entriesOf = (action: string, sessionId: string) =>
    env.node.ctx.conn.collection("audit_log").find({ action, "details.sessionId": sessionId }).toArray();

  const EARLY = "考生全部到齐，经考点主任同意提前开考";

  it("when a proctor watches the room with the session id in upper case, then the room is the session's, with its seats as checked in and its seat updates, or the watch is refused", async () => {
    const { fixture, proctor } = await aCheckedInRoom();
    const id = fixture.session.id;
    const seatEvents: string[] = [];
    proctor.onAny((event: string) => {
      if (event === "session:seat" || event === "session:seats") seatEvents.push(event);
    });
    try {
      const watch = (await callRaw(proctor, "proctor:watch", {
        sessionId: id.toUpperCase(),
      })) as Ack<SessionRoomDto>;
      if (!watch.ok) return void expect(INVALID_ID).to.include(watch.error.code);
      expect(watch.data.sessionId).to.equal(id);
      expect(watch.data.seats.map((s) => s.state)).to.deep.equal(["checked_in", "checked_in"]);
      ok((await callRaw(proctor, "proctor:release", { sessionId: id, earlyReason: EARLY })) as Ack<unknown>);
      await eventually(() => seatEvents.length > 0, { what: "a seat event", tries: 250, everyMs: 20 });
    } finally {
      proctor.close();
    }
  });

  it("when a proctor stops watching the room with the session id in upper case, then the console receives no more of its seat updates, or the unwatch is refused", async () => {
    const { fixture, proctor } = await aCheckedInRoom();
    const id = fixture.session.id;
    const staff = await staffAgent(env.node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    // A second console still watching: once it has a seat update, the first would have been sent it.
    const other = (await connectSocket(env.node, staff)) as unknown as ExamSocket;
    const seen = { proctor: 0, other: 0 };
    proctor.onAny((event: string) => {
      if (event.startsWith("session:seat")) seen.proctor += 1;
    });
    other.onAny((event: string) => {
      if (event.startsWith("session:seat")) seen.other += 1;
    });
    try {
      ok((await callRaw(proctor, "proctor:watch", { sessionId: id })) as Ack<SessionRoomDto>);
      ok((await callRaw(other, "proctor:watch", { sessionId: id })) as Ack<SessionRoomDto>);
      const unwatch = (await callRaw(proctor, "proctor:unwatch", {
        sessionId: id.toUpperCase(),
      })) as Ack<{ sessionId: string }>;
      if (!unwatch.ok) return void expect(INVALID_ID).to.include(unwatch.error.code);
      expect(unwatch.data.sessionId).to.equal(id);
      ok((await callRaw(proctor, "proctor:release", { sessionId: id, earlyReason: EARLY })) as Ack<unknown>);
      await eventually(() => seen.other > 0, { what: "a seat event", tries: 250, everyMs: 20 });
      // The room's update went to both consoles at once; a reply on the first console's own
      // connection comes after anything written to it before, so a leaked update is in by now.
      ok((await callRaw(proctor, "system:ping", {})) as Ack<{ serverTime: number }>);
      expect(seen.proctor).to.equal(0);
    } finally {
      other.close();
      proctor.close();
    }
  });

  it("when a proctor releases the room with the session id in upper case, then its candidates start and the entry names the session and them, or the release is refused and nothing is audited", async () => {
    const { fixture, proctor } = await aCheckedInRoom();
    const id = fixture.session.id;
    try {
      const release = (await callRaw(proctor, "proctor:release", {
        sessionId: id.toUpperCase(),
        earlyReason: EARLY,
      })) as Ack<ProctorActionResultDto>;
      const entries = await entriesOf("exam.early_release", id.toUpperCase());
      if (!release.ok) {
        expect(INVALID_ID).to.include(release.error.code);
        return void expect(entries).to.have.length(0);
      }
      expect(release.data.affected).to.have.length(2);
      expect(entries).to.have.length(0);
      const [entry, ...more] = await entriesOf("exam.early_release", id);
      expect(more).to.have.length(0);
      expect(entry?.details).to.deep.include({ sessionId: id, attempts: 2 });
    } finally {
      proctor.close();
    }
  });

  it("when a proctor pauses the room with the session id in upper case, then its candidates are paused, or the pause is refused", async () => {
    const { fixture, proctor } = await aCheckedInRoom();
    const id = fixture.session.id;
    try {
      ok((await callRaw(proctor, "proctor:release", { sessionId: id, earlyReason: EARLY })) as Ack<unknown>);
      const pause = (await callRaw(proctor, "proctor:pause", {
        sessionId: id.toUpperCase(),
        reason: "考场停电",
      })) as Ack<ProctorActionResultDto>;
      if (!pause.ok) return void expect(INVALID_ID).to.include(pause.error.code);
      expect(pause.data.affected).to.have.length(2);
      const room = ok((await callRaw(proctor, "proctor:watch", { sessionId: id })) as Ack<SessionRoomDto>);
      expect(room.seats.map((s) => s.paused)).to.deep.equal([true, true]);
    } finally {
      proctor.close();
    }
  });

  it("when a proctor reports an incident with the session id in upper case, then it is the session's (in its room's list and audited under its id), or it is refused and nothing is stored", async () => {
    const { fixture, proctor } = await aCheckedInRoom();
    const id = fixture.session.id;
    try {
      const incident = (await callRaw(proctor, "proctor:incident", {
        sessionId: id.toUpperCase(),
        kind: "environment",
        note: "考场停电十分钟",
      })) as Ack<IncidentDto>;
      const room = ok((await callRaw(proctor, "proctor:watch", { sessionId: id })) as Ack<SessionRoomDto>);
      expect(await entriesOf("proctor.incident", id.toUpperCase())).to.have.length(0);
      if (!incident.ok) {
        expect(INVALID_ID).to.include(incident.error.code);
        return void expect(room.incidents).to.deep.equal([]);
      }
      expect(incident.data.sessionId).to.equal(id);
      expect(room.incidents.map((i) => i.id)).to.deep.equal([incident.data.id]);
      expect(await entriesOf("proctor.incident", id)).to.have.length(1);
    } finally {
      proctor.close();
    }
  });
});

/**
 * Behind the contract (which lower-cases an ObjectId): the console acts on the session its lookup
 * found, by that session's id, whatever form of the id the lookup took.
 */
describe("proctoring: a session looked up by another form of its id", () => {
  const env = useExamNode();

  it("when the scheduling lookup takes the session id in upper case, then release, pause, incident and the room act on and name the session by its own id", async () => {
    const room = await aRoom(env.node, { candidates: 2 });
    const id = room.session.id;
    const conn = env.node.ctx.conn;
    const fixtures = fixtureScheduling(conn);
    // As `findById` takes an ObjectId in either case.
    const scheduling = { ...fixtures, getSession: (sid: string) => fixtures.getSession(sid.toLowerCase()) };
    const sent: string[] = [];
    const proctoring = proctoringConsoleOver(env.node, {
      scheduling,
      notifier: {
        toRoom(r: string, event: string, ..._payload: unknown[]) {
          sent.push(`${event} ${r}`);
        },
      },
    });
    const upper = id.toUpperCase();
    const user = room.proctorUser;
    try {
      expect((await proctoring.release(user, upper)).affected).to.have.length(2);
      expect((await proctoring.pause(user, upper, undefined, "考场停电")).affected).to.have.length(2);
      const incident = await proctoring.incident(user, {
        sessionId: upper,
        kind: "technical",
        note: "网络中断",
      });
      expect(incident.sessionId).to.equal(id);
      expect(sent).to.deep.equal([`session:incident ${rooms.session(id)}`]);
      const view = await proctoring.room(user, upper);
      expect(view.sessionId).to.equal(id);
      expect(view.seats.map((seat) => [seat.state, seat.paused])).to.deep.equal([
        ["in_progress", true],
        ["in_progress", true],
      ]);
      expect(view.incidents.map((i) => i.id)).to.deep.equal([incident.id]);
      const audited = await conn.collection("audit_log").distinct("details.sessionId", {
        action: { $in: ["exam.release", "proctor.pause", "proctor.incident"] },
        "details.sessionId": { $in: [id, upper] },
      });
      expect(audited).to.deep.equal([id]);
    } finally {
      room.close();
      await proctoring.stop();
    }
  });
});
