import { expect } from "chai";
import type { SessionRoomDto } from "../../../server/contracts/exams.js";
import { connectSocket, scheduleCandidates, staffAgent } from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, ok, type ExamSocket } from "../exams/support/clients.js";

const EARLY = "考生全部到齐，经考点主任同意提前开考";

/**
 * The console's header shows when the room was actually released (已开考), next to the scheduled
 * start (计划开考): the room view carries `releasedAt`, null until a release has started a seat,
 * then the first release's instant, on the socket and on the REST room alike.
 */
describe("proctoring: when the room was released", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  /** A session starting in a minute with `count` seated candidates and its proctor watching it. */
  async function aWatchedRoom(count: number) {
    const fixture = await scheduleCandidates(env.node, { count, startsInMinutes: 1 });
    const agent = await staffAgent(env.node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const proctor = (await connectSocket(env.node, agent)) as unknown as ExamSocket;
    const sessionId = fixture.session.id;
    const watch = async () => ok(await call(proctor, "proctor:watch", { sessionId }));
    const rest = async () =>
      (await agent.agent.get(`/api/exam-sessions/${sessionId}/room`).expect(200)).body as SessionRoomDto;
    /** Checks a candidate in; their attempt's id. */
    const checkIn = async (c: { id: string; idNumber: string }) => {
      const r = ok(
        await call(proctor, "proctor:check_in", { sessionId, candidateId: c.id, idNumber: c.idNumber }),
      );
      if (!r.seat.attemptId) throw new Error("check-in made no attempt");
      return r.seat.attemptId;
    };
    /** Releases the room (or the named seats) before the start; the instants around it. */
    const release = async (attemptIds?: string[]) => {
      const from = Date.now();
      const r = ok(await call(proctor, "proctor:release", { sessionId, attemptIds, earlyReason: EARLY }));
      return { from, to: Date.now(), affected: r.affected };
    };
    return { fixture, sessionId, proctor, watch, rest, checkIn, release };
  }

  it("when a proctor watches a room before and after its release, then releasedAt is null and then the release's instant, before the scheduled start", async () => {
    const room = await aWatchedRoom(1);
    try {
      const [c] = room.fixture.candidates;
      if (!c) throw new Error("fixture");
      expect((await room.watch()).releasedAt).to.equal(null);
      await room.checkIn(c);
      expect((await room.rest()).releasedAt).to.equal(null);

      const { from, to, affected } = await room.release();
      expect(affected).to.have.length(1);
      const watched = await room.watch();
      const at = Date.parse(watched.releasedAt ?? "");
      expect(at).to.be.within(from, to);
      expect(watched.releasedAt).to.equal(new Date(at).toISOString());
      // Released early (提前开考): before the scheduled start the header shows next to it.
      expect(at).to.be.below(Date.parse(watched.startsAt));
      expect((await room.rest()).releasedAt).to.equal(watched.releasedAt);
    } finally {
      room.proctor.close();
    }
  });

  it("when a room is released seat by seat, then releasedAt stays the first release's instant", async () => {
    const room = await aWatchedRoom(2);
    try {
      const [a, b] = room.fixture.candidates;
      if (!a || !b) throw new Error("fixture");
      const first = await room.checkIn(a);
      const late = await room.checkIn(b);
      const one = await room.release([first]);
      expect(one.affected).to.deep.equal([first]);
      const releasedAt = (await room.watch()).releasedAt;
      expect(Date.parse(releasedAt ?? "")).to.be.within(one.from, one.to);

      // The late candidate's own release a moment later does not move the room's.
      await new Promise((r) => setTimeout(r, 20));
      const two = await room.release([late]);
      expect(two.affected).to.deep.equal([late]);
      // The premise: the second release came after the first, so an overwrite would show.
      expect(two.from, "the second release is later").to.be.greaterThan(Date.parse(releasedAt ?? ""));
      expect((await room.watch()).releasedAt).to.equal(releasedAt);
    } finally {
      room.proctor.close();
    }
  });

  it("when the room is released with nobody checked in, then no paper went out and releasedAt stays null", async () => {
    const room = await aWatchedRoom(1);
    try {
      expect((await room.release()).affected).to.deep.equal([]);
      expect((await room.watch()).releasedAt).to.equal(null);
    } finally {
      room.proctor.close();
    }
  });
});
