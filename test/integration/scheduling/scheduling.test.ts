import { expect } from "chai";
import { Types } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { errors } from "../../../server/lib/errors.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { registerTestCandidate } from "../../helpers/auth.js";
import { inDays, useSchedulingNode } from "./support.js";

describe("scheduling sessions, seats and tickets", () => {
  const { env, officer, nextDay, aSession } = useSchedulingNode();
  /** The officer as services see one, for calls that bypass HTTP. */
  const anOfficer: AuthUser = {
    id: "o",
    kind: "staff",
    roles: ["officer"],
    displayName: "o",
    divisionCode: "320000",
    provinceCode: "320000",
  };

  it("when a session is created, then its defaults follow exam-room practice and capacity is the room's seats", async () => {
    const { session } = await aSession(6);
    expect(session).to.include({ capacity: 6, lateEntryMinutes: 20, earliestHandInMinutes: 30 });
    // The log says which blueprint version the papers follow; none yet, until the first check-in.
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "session.created", "target.id": session.id });
    expect(entry?.details).to.have.property("blueprintVersion", null);
  });

  it("when more candidates than the capacity are assigned at once, then exactly the capacity is seated, each on a different seat", async () => {
    const { session } = await aSession(5, { capacity: 3 });
    const candidates = await Promise.all([1, 2, 3, 4, 5].map(() => registerTestCandidate(env.node)));
    const results = await Promise.all(
      candidates.map((c) =>
        officer.agent.post(`/api/exam-sessions/${session.id}/assignments`).send({ candidateId: c.id }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).to.have.length(3);
    for (const r of results.filter((x) => x.status !== 201))
      expect(r.body.error.code).to.equal("session_full");
    const rows = await env.node.ctx.conn.collection("seat_assignments").find({ sessionId: session.id }).toArray();
    expect(new Set(rows.map((r) => r.seatId)).size).to.equal(3);
    expect(new Set(rows.map((r) => r.ticketNo)).size).to.equal(3);
    const map = await officer.agent.get(`/api/exam-sessions/${session.id}/seat-map`).expect(200);
    expect(map.body.session.assignedCount).to.equal(3);
    expect(map.body.seats.filter((s: { assignment: unknown }) => s.assignment)).to.have.length(3);
  });

  it("when a named seat is taken, then seat_taken; when the candidate is already seated, then already_assigned", async () => {
    const { session, room } = await aSession(3);
    const [a, b] = await Promise.all([registerTestCandidate(env.node), registerTestCandidate(env.node)]);
    const seatId = room.seats[0]!.seatId;
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: a!.id, seatId })
      .expect(201);
    const taken = await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: b!.id, seatId });
    expect(taken.body.error.code).to.equal("seat_taken");
    const again = await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: a!.id });
    expect(again.body.error.code).to.be.oneOf(["already_assigned", "already_scheduled"]);
  });

  /** Two sessions of different categories half an hour apart, and a candidate of both. */
  async function twoCategoriesHalfAnHourApart() {
    const t0 = Date.parse(nextDay());
    const passenger = await aSession(2, { startsAt: new Date(t0).toISOString() });
    const freight = await aSession(2, { categoryCode: "02001", startsAt: new Date(t0 + 30 * 60_000).toISOString() });
    const candidate = await registerTestCandidate(env.node, { categories: ["01001", "02001"] });
    return { passenger, freight, candidate, t0 };
  }

  it("when a candidate of two categories is seated in sessions whose times overlap, then the second seat is refused as time_clash and nothing is written", async () => {
    const { passenger, freight, candidate } = await twoCategoriesHalfAnHourApart();
    await officer.agent
      .post(`/api/exam-sessions/${passenger.session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    const res = await officer.agent
      .post(`/api/exam-sessions/${freight.session.id}/assignments`)
      .send({ candidateId: candidate.id });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal("time_clash");
    expect(res.body.error.message).to.include("经营性道路旅客运输驾驶员");
    const seats = env.node.ctx.conn.collection("seat_assignments");
    expect(await seats.countDocuments({ sessionId: freight.session.id })).to.equal(0);
  });

  it("when a session is cancelled, then its candidates can be seated at an overlapping time by hand, and automatic seating offers them again", async () => {
    const { passenger, freight, candidate, t0 } = await twoCategoriesHalfAnHourApart();
    await officer.agent
      .post(`/api/exam-sessions/${freight.session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    await officer.agent.patch(`/api/exam-sessions/${freight.session.id}`).send({ status: "cancelled" }).expect(200);
    // The passenger exam overlaps the cancelled freight exam: a seat that no longer holds clashes with nothing.
    await officer.agent
      .post(`/api/exam-sessions/${passenger.session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    // A replacement freight session later that day: automatic seating offers the displaced candidate
    // (before, a seat in the cancelled session counted as an open seat of the category).
    const replacement = await aSession(12, {
      categoryCode: "02001",
      startsAt: new Date(t0 + 3 * 3_600_000).toISOString(),
    });
    const auto = await officer.agent.post(`/api/exam-sessions/${replacement.session.id}/auto-assign`).send({}).expect(200);
    expect(auto.body.seated.map((x: { candidateId: string }) => x.candidateId)).to.include(candidate.id);
  });

  it("when a session is moved onto the time of another session one of its candidates sits, then the move is refused as time_clash and the session keeps its time", async () => {
    const { passenger, freight, candidate, t0 } = await twoCategoriesHalfAnHourApart();
    const later = new Date(t0 + 5 * 3_600_000).toISOString();
    await officer.agent.patch(`/api/exam-sessions/${freight.session.id}`).send({ startsAt: later }).expect(200);
    for (const s of [passenger, freight])
      await officer.agent
        .post(`/api/exam-sessions/${s.session.id}/assignments`)
        .send({ candidateId: candidate.id })
        .expect(201);
    const back = await officer.agent
      .patch(`/api/exam-sessions/${freight.session.id}`)
      .send({ startsAt: new Date(t0 + 30 * 60_000).toISOString() });
    expect(back.status).to.equal(409);
    expect(back.body.error.code).to.equal("time_clash");
    expect(back.body.error.message).to.include(candidate.name);
    const stored = await env.node.ctx.conn
      .collection("exam_sessions")
      .findOne({ _id: new Types.ObjectId(freight.session.id) });
    expect(stored?.startsAt.toISOString()).to.equal(later);
  });

  it("when a session is moved onto another session's time while its candidate is being seated there, then never both: the seating is refused as time_clash", async () => {
    const { conn, config } = env.node.ctx;
    const { passenger, freight, candidate, t0 } = await twoCategoriesHalfAnHourApart();
    const later = new Date(t0 + 5 * 3_600_000).toISOString();
    await officer.agent.patch(`/api/exam-sessions/${freight.session.id}`).send({ startsAt: later }).expect(200);
    await officer.agent
      .post(`/api/exam-sessions/${freight.session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    // A seating held open inside its transaction (after its candidate claim) while the move runs:
    // the interleaving a busy node produces now and then, made certain.
    const registration = createRegistrationService(conn, {
      provinceCode: config.provinceCode,
      timeZone: config.timeZone,
    });
    let seatingOpen!: () => void;
    const opened = new Promise<void>((r) => (seatingOpen = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const seating = createSchedulingService(conn, {
      provinceCode: config.provinceCode,
      timeZone: config.timeZone,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: {
        ...registration,
        async claimForSeating(ids, tx) {
          const claimed = await registration.claimForSeating(ids, tx);
          seatingOpen();
          await released;
          return claimed;
        },
      },
    });
    const seat = seating
      .assign(anOfficer, passenger.session.id, { candidateId: candidate.id })
      .then(() => "seated", (e: { code?: string }) => e.code);
    await opened;
    const moved = await officer.agent
      .patch(`/api/exam-sessions/${freight.session.id}`)
      .send({ startsAt: new Date(t0 + 30 * 60_000).toISOString() });
    release();
    // The move committed first; the seating, whose snapshot predates it, must not commit beside
    // it (both write the audit chain's head, so it is retried and sees the moved session).
    expect(moved.status).to.equal(200);
    expect(await seat).to.equal("time_clash");
    expect(await conn.collection("seat_assignments").countDocuments({ sessionId: passenger.session.id })).to.equal(0);
  });

  it("when the candidate did not apply for the category, then not_applied", async () => {
    const { session } = await aSession(2);
    const c = await registerTestCandidate(env.node, { categories: ["02001"], licenceClass: "B2" });
    const res = await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: c.id });
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal("not_applied");
  });

  it("when the candidate is already in another open session of the category, then already_scheduled", async () => {
    const first = await aSession(2);
    const second = await aSession(2);
    const c = await registerTestCandidate(env.node);
    await officer.agent
      .post(`/api/exam-sessions/${first.session.id}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    const res = await officer.agent
      .post(`/api/exam-sessions/${second.session.id}/assignments`)
      .send({ candidateId: c.id });
    expect(res.body.error.code).to.equal("already_scheduled");
  });

  it("when the room already has a session at that time, then room_busy", async () => {
    const { room } = await aSession(2);
    const startsAt = nextDay();
    await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "01001", testCentreId: room.testCentreId, roomId: room.roomId, startsAt })
      .expect(201);
    const clash = await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "02001",
        testCentreId: room.testCentreId,
        roomId: room.roomId,
        startsAt: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString(),
      });
    expect(clash.body.error.code).to.equal("room_busy");
  });

  it("when the retake port refuses, then scheduling refuses with its code and writes nothing", async () => {
    const { conn, config } = env.node.ctx;
    const organisation = createOrganisationService(conn, config.provinceCode, undefined, {
      timeZone: config.timeZone,
    });
    const registration = createRegistrationService(conn, {
      provinceCode: config.provinceCode,
      timeZone: config.timeZone,
    });
    const sched = createSchedulingService(conn, {
      provinceCode: config.provinceCode,
      timeZone: config.timeZone,
      organisation,
      registration,
      retakeCheck: () => Promise.reject(errors.conflict("retake_wait", "补考须间隔 30 天")),
      retakeBlockersOf: (ids) =>
        Promise.resolve(new Map(ids.map((id) => [id, errors.conflict("retake_wait", "补考须间隔 30 天")]))),
    });
    const { session } = await aSession(2);
    const c = await registerTestCandidate(env.node);
    let code = "";
    await sched
      .assign(anOfficer, session.id, { candidateId: c.id })
      .catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal("retake_wait");
    expect(await conn.collection("seat_assignments").countDocuments({ sessionId: session.id })).to.equal(0);
  });

  it("when a candidate is unassigned, then the seat frees and the ticket is gone", async () => {
    const { session } = await aSession(1);
    const c = await registerTestCandidate(env.node);
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    await officer.agent.delete(`/api/exam-sessions/${session.id}/assignments/${c.id}`).expect(204);
    await officer.agent.get(`/api/exam-sessions/${session.id}/tickets/${c.id}`).expect(404);
    const other = await registerTestCandidate(env.node);
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: other.id })
      .expect(201);
  });

  it("when a session ends at 09:30 but its candidates may still write until 10:20, then nobody can book the room at 10:00", async () => {
    const { room } = await aSession(2);
    const startsAt = nextDay();
    const first = await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "01001",
        testCentreId: room.testCentreId,
        roomId: room.roomId,
        startsAt,
        durationMinutes: 30,
        lateEntryMinutes: 20,
      })
      .expect(201);
    // 30 minutes + 20 of late entry + the 30-minute reserve for accommodations and extensions.
    expect(Date.parse(first.body.session.bookedUntil) - Date.parse(startsAt)).to.equal(80 * 60_000);
    const at = (minutes: number) => new Date(Date.parse(startsAt) + minutes * 60_000).toISOString();
    const clash = await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "02001", testCentreId: room.testCentreId, roomId: room.roomId, startsAt: at(60) });
    expect(clash.body.error.code).to.equal("room_busy");
    await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "02001", testCentreId: room.testCentreId, roomId: room.roomId, startsAt: at(80) })
      .expect(201);
  });
  it("when the ticket is read, then it carries the admission ticket data", async () => {
    const { session } = await aSession(1);
    const c = await registerTestCandidate(env.node, { name: "赵准考" });
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    const t = (await officer.agent.get(`/api/exam-sessions/${session.id}/tickets/${c.id}`).expect(200)).body
      .ticket;
    expect(t).to.include({
      name: "赵准考",
      idNumber: c.idNumber,
      categoryCode: "01001",
      seatNo: 1,
      sessionId: session.id,
      durationMinutes: 60,
    });
    expect(t.ticketNo).to.match(/^32\d{12}$/);
  });

  it("when a session starts before 08:00 in the node's zone, then its ticket numbers carry that day, not the UTC day before", async () => {
    const day0 = new Date(Date.parse(nextDay()));
    // 07:30 in Asia/Shanghai on that calendar day is 23:30 UTC the day before.
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(day0);
    const startsAt = new Date(`${local}T07:30:00+08:00`).toISOString();
    const { session } = await aSession(2, { startsAt });
    const c = await registerTestCandidate(env.node);
    const seat = await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    expect(seat.body.assignment.ticketNo.slice(2, 8)).to.equal(local.replaceAll("-", "").slice(2));
  });

  it("when bodies are malformed, then 400 with a stable code", async () => {
    const past = await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "01001", testCentreId: "x", roomId: "y", startsAt: "tomorrow" });
    expect(past.body.error.code).to.equal("validation_failed");
    const extra = await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "09999", testCentreId: "x", roomId: "y", startsAt: inDays(1) });
    expect(extra.body.error.code).to.equal("validation_failed");
  });
});
