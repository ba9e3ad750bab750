import { examDb } from "../exams/support/models.js";
import { expect } from "chai";
import request from "supertest";
import type { IncidentDto, OutageProposalDto, SeatViewDto } from "../../../server/contracts/exams.js";
import {
  call,
  callRaw,
  candidateUser,
  connect,
  JournalCandidate,
  ok,
  proctorUser,
} from "../exams/support/clients.js";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";
import { unpaddedBase64 } from "../../helpers/base64.js";
import { fullWidth } from "../../helpers/typed-text.js";

const JPEG = `data:image/jpeg;base64,${Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]).toString("base64")}`;

describe("proctoring: the live console", () => {
  const env = useExamNode();

  it("when a proctor watches a room, then every seat shows its state from not arrived to in progress", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 3 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const [a, b] = assignments;
      if (!a || !b) throw new Error("fixture");
      const empty = ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      expect(empty.seats.map((s) => s.state)).to.deep.equal(["not_arrived", "not_arrived", "not_arrived"]);
      const seatUpdate = new Promise<SeatViewDto>((r) => proctor.once("session:seat", r));
      const checked = ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: a.candidateId,
          idNumber: a.idNumber,
          photo: JPEG,
        }),
      );
      expect(checked.onSitePhoto).to.equal(true);
      expect((await seatUpdate).state).to.equal("checked_in");
      ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: b.candidateId,
          idNumber: b.idNumber,
        }),
      );
      const cb = new JournalCandidate(env.node.url, candidateUser(session.id, b));
      await cb.connect();
      ok(await call(cb.socket!, "attempt:confirm", { attemptId: cb.attemptId }));
      const room = ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      expect(room.seats.map((s) => s.state)).to.deep.equal(["checked_in", "ready", "not_arrived"]);

      const photo = await request(env.node.url)
        .get(`/api/attempts/${checked.seat.attemptId}/check-in-photo`)
        .set("x-test-user", testUserHeader(candidateUser(session.id, a)));
      expect(photo.status).to.equal(200);
      expect(photo.headers["content-type"]).to.equal("image/jpeg");
      // The bytes the proctor's camera took, not merely a 200 (an empty body passed before).
      expect(Buffer.from(photo.body as Buffer).equals(Buffer.from(JPEG.split(",")[1]!, "base64"))).to.equal(
        true,
      );
      const other = await request(env.node.url)
        .get(`/api/attempts/${checked.seat.attemptId}/check-in-photo`)
        .set("x-test-user", testUserHeader(candidateUser(session.id, b)));
      expect(other.status).to.equal(403);
      cb.close();
    } finally {
      proctor.close();
    }
  });

  it("when the proctor types the ID number in full width (an input method's full-width mode), then it matches the registration and the candidate is checked in", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const a = assignments[0]!;
      const checked = ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: a.candidateId,
          idNumber: fullWidth(a.idNumber),
        }),
      );
      expect(checked.seat.state).to.equal("checked_in");
    } finally {
      proctor.close();
    }
  });

  it("when the on-site photo's base64 is not canonical (padding missing), then the check-in is refused with invalid_base64 and the seat stays not arrived", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const a = assignments[0]!;
      const jpeg = Buffer.from(JPEG.slice(JPEG.indexOf(",") + 1), "base64");
      const ack = await callRaw(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: a.candidateId,
        idNumber: a.idNumber,
        photo: `data:image/jpeg;base64,${unpaddedBase64(jpeg)}`,
      });
      expect(!ack.ok && ack.error.code).to.equal("invalid_base64");
      const room = ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      expect(room.seats.map((seat) => seat.state)).to.deep.equal(["not_arrived"]);
    } finally {
      proctor.close();
    }
  });

  it("when a proctor of another test centre acts on a session, then it is refused as a session that does not exist and audited", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const stranger = await connect(env.node.url, proctorUser({ id: "proctor-x", testCentreId: "tc-other" }));
    try {
      const a = assignments[0]!;
      const ack = await call(stranger, "proctor:check_in", {
        sessionId: session.id,
        candidateId: a.candidateId,
        idNumber: a.idNumber,
      });
      expect(!ack.ok && ack.error.code).to.equal("session_not_found");
      const audited = await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "proctor.refused", "actor.id": "proctor-x", "target.id": session.id });
      expect(audited).to.equal(1);
      expect(await examDb(env.node.ctx.conn).Attempts.countDocuments({ sessionId: session.id })).to.equal(0);
      const candidateAsProctor = await connect(env.node.url, candidateUser(session.id, a));
      // A candidate's socket has no proctor handlers: the event is refused, never carried out.
      const refused = await call(candidateAsProctor, "proctor:pause", {
        sessionId: session.id,
        reason: "试图暂停",
      });
      expect(!refused.ok && refused.error.code).to.equal("event_not_allowed");
      candidateAsProctor.close();
    } finally {
      stranger.close();
    }
  });

  it("when a proctor bound to no test centre watches a session, then it is refused as a session that does not exist and audited", async () => {
    const { session } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const unbound = await connect(
      env.node.url,
      proctorUser({ id: "proctor-unbound", testCentreId: undefined }),
    );
    try {
      const ack = await call(unbound, "proctor:watch", { sessionId: session.id });
      expect(!ack.ok && ack.error.code).to.equal("session_not_found");
      const audited = await env.node.ctx.conn.collection("audit_log").countDocuments({
        action: "proctor.refused",
        "actor.id": "proctor-unbound",
        "target.id": session.id,
      });
      expect(audited).to.equal(1);
    } finally {
      unbound.close();
    }
  });

  it("when an incident is reported, then it is stored with exactly one audit entry, broadcast to the room and listed on the console", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const other = await connect(env.node.url, proctorUser({ id: "proctor-2" }));
      ok(await call(other, "proctor:watch", { sessionId: room.session.id }));
      const heard = new Promise<IncidentDto>((r) => other.once("session:incident", r));
      const inc = ok(
        await call(room.proctor, "proctor:incident", {
          sessionId: room.session.id,
          attemptId: room.candidates[0]?.attemptId,
          kind: "technical",
          note: "3 号机显示器闪烁，已更换",
        }),
      );
      expect((await heard).id).to.equal(inc.id);
      const view = ok(await call(room.proctor, "proctor:watch", { sessionId: room.session.id }));
      expect(view.incidents.map((i) => i.kind)).to.deep.equal(["technical"]);
      // Stored in the report's own transaction: exactly one entry names it.
      expect(
        await env.node.ctx.conn
          .collection("audit_log")
          .countDocuments({ action: "proctor.incident", "details.incidentId": inc.id }),
      ).to.equal(1);
      const bad = await callRaw(room.proctor, "proctor:incident", {
        sessionId: room.session.id,
        kind: "weather",
        note: "下雨了",
      });
      expect(!bad.ok && bad.error.code).to.equal("validation_failed");
      other.close();
    } finally {
      room.close();
    }
  });

  it("when most seats of a room drop together and come back, then an outage credit is proposed and the proctor applies it with a reason", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const before = room.candidates.map((c) => c.attempt?.deadline ?? 0);
      // The seats come back only once the console has seen all three go: a fixed pause here raced
      // the server's disconnect handling on a loaded machine.
      const away = new Set<string>();
      const allAway = new Promise<void>((r) =>
        room.proctor.on("session:seat", (seat) => {
          if (seat.state === "disconnected" && seat.attemptId) away.add(seat.attemptId);
          if (away.size === room.candidates.length) r();
        }),
      );
      for (const c of room.candidates) c.close();
      await allAway;
      const proposed = new Promise<OutageProposalDto>((r) =>
        room.proctor.on("session:outage", (p) => p.attemptIds.length === 3 && r(p)),
      );
      for (const c of room.candidates) await c.connect();
      const proposal = await proposed;
      expect(proposal.minutes).to.equal(1);
      expect(proposal.seats.map((s) => s.minutes)).to.deep.equal([1, 1, 1]);
      const applied = ok(
        await call(room.proctor, "proctor:credit_outage", {
          sessionId: room.session.id,
          attemptIds: proposal.attemptIds,
          outageFrom: proposal.from,
          outageTo: proposal.to,
          reason: "考场网络中断约 1 分钟",
        }),
      );
      expect(applied.affected).to.have.length(3);
      const docs = await examDb(env.node.ctx.conn)
        .Attempts.find({
          _id: { $in: proposal.attemptIds },
        })
        .lean();
      for (const d of docs) {
        const i = room.candidates.findIndex((c) => c.attemptId === d._id);
        expect((d.deadline?.getTime() ?? 0) - (before[i] ?? 0)).to.equal(60_000);
        expect(d.events.at(-1)?.type).to.equal("credit");
      }
      const view = ok(await call(room.proctor, "proctor:watch", { sessionId: room.session.id }));
      expect(view.outageProposal).to.equal(null);
    } finally {
      room.close();
    }
  });

  it("when a seat reconnects while its dropped socket's disconnect is still being decided, then the seat stays online and no away interval is left open", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      const exams = env.node.delivery.exams;
      // The interleaving a loaded server can produce: the old socket's "any other socket?" check
      // finds none, and the candidate's new socket connects before the seat is written offline.
      await exams.markOffline(c.attemptId, async () => {
        await exams.markOnline(c.attemptId);
        return false;
      });
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc?.online).to.equal(true);
      expect(doc?.away.filter((a) => a.to === null)).to.deep.equal([]);
    } finally {
      room.close();
    }
  });
});
