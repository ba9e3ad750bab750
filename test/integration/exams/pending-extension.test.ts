import { expect } from "chai";
import type { SeatViewDto } from "../../../server/contracts/exams.js";
import { call, ok } from "./support/clients.js";
import { aRoom, aSecondProctor, useExamNode } from "./support/setup.js";

/**
 * A request for extra time waits for a second person (四眼). It used to be written beside the
 * attempt's chain, so the copy of the attempt the save path keeps did not have it: the seat
 * pushed after the candidate's next answer came without the request, and the console's badge and
 * approve button went away before anyone could approve.
 */
describe("exam delivery: a pending extension on the seat map", () => {
  const env = useExamNode();

  it("when the candidate answers after an extension was requested, then the seats pushed still carry the request until a second proctor answers it", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const second = await aSecondProctor(env.node, room);
    try {
      // The candidate's copy of the attempt is kept by the save path from here on.
      await c.answer(0, ["T"]);
      const req = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: c.attemptId,
          minutes: 10,
          reason: "考生电脑故障更换",
          requireSecondApprover: true,
        }),
      );
      const requestId = req.pending?.requestId ?? "";
      const pushed = new Promise<SeatViewDto[]>((resolve) =>
        second.on("session:seats", (seats: SeatViewDto[]) => {
          if (seats.some((s) => s.attemptId === c.attemptId)) resolve(seats);
        }),
      );
      await c.answer(1, ["A"]);
      const seat = (await pushed).find((s) => s.attemptId === c.attemptId);
      expect(seat?.pendingExtensions.map((p) => p.requestId)).to.deep.equal([requestId]);
      // The requester by account too: the console offers the approval to anyone else only.
      expect(seat?.pendingExtensions[0]?.requestedById).to.equal(room.proctorUser.id);

      ok(
        await call(second, "proctor:approve_extension", { attemptId: c.attemptId, requestId, approve: true }),
      );
      const events = await env.node.ctx.conn
        .collection("exam_attempts")
        .findOne({ _id: c.attemptId as never }, { projection: { "events.type": 1, pendingExtensions: 1 } });
      expect(events?.pendingExtensions).to.deep.equal([]);
      // The request and its answer are in the attempt's chain, before the extension they led to.
      expect((events?.events as { type: string }[]).map((e) => e.type).slice(-4)).to.deep.equal([
        "extension_requested",
        "answer",
        "extension_answered",
        "extend",
      ]);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when the candidate hands in while a request for more time waits, then the request goes with the sitting and a second proctor can no longer answer it", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const second = await aSecondProctor(env.node, room);
    try {
      const req = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: c.attemptId,
          minutes: 10,
          reason: "考生电脑故障更换",
          requireSecondApprover: true,
        }),
      );
      ok(await c.submit());
      const Attempts = env.node.ctx.conn.collection("exam_attempts");
      const handedIn = await Attempts.findOne({ _id: c.attemptId as never });
      expect(handedIn?.pendingExtensions).to.deep.equal([]);
      for (const approve of [false, true]) {
        const answer = await call(second, "proctor:approve_extension", {
          attemptId: c.attemptId,
          requestId: req.pending?.requestId ?? "",
          approve,
        });
        expect(!answer.ok && answer.error.code).to.equal("extension_not_found");
      }
      // The graded sitting's chain ends where it was handed in.
      const after = await Attempts.findOne({ _id: c.attemptId as never });
      expect(after?.chainHash).to.equal(handedIn?.chainHash);
      expect((after?.events as { type: string }[]).at(-1)?.type).to.equal("submit");
    } finally {
      second.close();
      room.close();
    }
  });
});
