import { expect } from "chai";
import { examDb } from "../exams/support/models.js";
import { call, ok } from "../exams/support/clients.js";
import { aRoom, useExamNode, type Room } from "../exams/support/setup.js";

describe("proctoring: an outage credit does not pay again for paused time of a seat still away", () => {
  const env = useExamNode();
  const m = 60_000;

  /**
   * Five seats drop together at T0 = 10.5 minutes ago; the room is paused from T0+1 min (until
   * T0+9, or still); seats 0–3 are back at T0+10; seat 4 is still away now. Returns each seat's
   * proposed minutes.
   */
  const proposedMinutes = async (room: Room, pauseEnds: boolean) => {
    const t0 = Date.now() - 10.5 * m;
    const pause = { from: new Date(t0 + m), to: pauseEnds ? new Date(t0 + 9 * m) : null };
    const ids = room.candidates.map((c) => c.attemptId);
    const { Attempts } = examDb(env.node.ctx.conn);
    for (const [i, id] of ids.entries()) {
      const to = i < 4 ? new Date(t0 + 10 * m) : null;
      await Attempts.updateOne(
        { _id: id },
        { $push: { away: { from: new Date(t0), to, credited: false }, pauses: pause } },
      );
    }
    const proposal = ok(
      await call(room.proctor, "proctor:watch", { sessionId: room.session.id }),
    ).outageProposal;
    if (!proposal) throw new Error("no outage proposed");
    return ids.map((id) => proposal.seats.find((s) => s.attemptId === id)?.minutes ?? 0);
  };

  it("when the room was paused for eight minutes of a ten-minute outage and one seat is still away, then that seat is proposed what a seat back now would get, not the whole outage", async () => {
    const room = await aRoom(env.node, { candidates: 5, release: true });
    try {
      const minutes = await proposedMinutes(room, true);
      // The room was out from T0 to T0+10 (then four of five seats were back), and inside it
      // every seat lost 10 − 8 = 2 minutes, the seat still away too: its half minute since the
      // room was back is its own (an extension's matter), and the 8 paused minutes never count.
      expect(minutes).to.deep.equal([2, 2, 2, 2, 2]);
    } finally {
      room.close();
    }
  });

  it("when the pause is still open at credit time and one seat is still away, then the open pause is taken out of that seat too", async () => {
    const room = await aRoom(env.node, { candidates: 5, release: true });
    try {
      const minutes = await proposedMinutes(room, false);
      // Paused since T0+1: seats back at T0+10 lost 1 minute, the one still away 10.5 − 9.5 = 1.
      expect(minutes).to.deep.equal([1, 1, 1, 1, 1]);
    } finally {
      room.close();
    }
  });

  it("when a seat comes back long after the room and the pause ran past the room's return, then it is credited only what it lost inside the outage", async () => {
    // Four seats drop at T0 (three make the outage); the room is paused T0+0.5 to T0+10.5; seats
    // 0–2 are back at T0+10, seat 3 only at T0+60. The room was out until T0+10, and inside it
    // every seat lost the half minute before the pause. Seat 3's whole absence lost 50 minutes
    // (60 less the 10 paused), but that is no measure of the outage: capped at the outage's
    // ten minutes it was credited 10, paying again the paused minutes the resume gave back.
    const room = await aRoom(env.node, { candidates: 4, release: true });
    try {
      const t0 = Date.now() - 61 * m;
      const pause = { from: new Date(t0 + 0.5 * m), to: new Date(t0 + 10.5 * m) };
      const ids = room.candidates.map((c) => c.attemptId);
      const { Attempts } = examDb(env.node.ctx.conn);
      for (const [i, id] of ids.entries()) {
        const to = new Date(t0 + (i < 3 ? 10 : 60) * m);
        await Attempts.updateOne(
          { _id: id },
          { $push: { away: { from: new Date(t0), to, credited: false }, pauses: pause } },
        );
      }
      const proposal = ok(
        await call(room.proctor, "proctor:watch", { sessionId: room.session.id }),
      ).outageProposal;
      expect(proposal).to.deep.include({ from: t0, to: t0 + 10 * m });
      expect(ids.map((id) => proposal?.seats.find((s) => s.attemptId === id)?.minutes)).to.deep.equal([
        1, 1, 1, 1,
      ]);
    } finally {
      room.close();
    }
  });
});
