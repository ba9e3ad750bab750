import { expect } from "chai";
import { call, ok } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { aRoom, aSecondProctor, useExamNode } from "../exams/support/setup.js";

const MINUTE = 60_000;

/**
 * The console sends an extension again when its ack did not arrive (`ack_timeout`), with the same
 * request id: the server makes the extension once and answers the repeat what the first came to.
 */
describe("proctoring: an extension sent again with its request id is made once", () => {
  const env = useExamNode();
  const attemptDoc = (id: string) => examDb(env.node.ctx.conn).Attempts.findById(id).lean();
  const extendEvents = async (id: string) =>
    ((await attemptDoc(id))?.events ?? []).filter((e) => e.type === "extend").length;

  it("when the same extension is sent twice with one request id, then the time is given once and both are answered ok", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const before = (await attemptDoc(attemptId))?.deadline?.getTime() ?? 0;
      const payload = { attemptId, minutes: 5, reason: "考生电脑故障", requestId: "req-0001-abcdef" };
      const first = ok(await call(room.proctor, "proctor:extend", payload));
      const again = ok(await call(room.proctor, "proctor:extend", payload));
      expect(first.affected).to.deep.equal([attemptId]);
      expect(again.affected).to.deep.equal([attemptId]);
      expect(again.pending).to.equal(null);
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before + 5 * MINUTE);
      expect(await extendEvents(attemptId)).to.equal(1);
      // Sent at once (a retry crossing the first): still one.
      const both = { ...payload, requestId: "req-0002-abcdef" };
      const results = await Promise.all([
        call(room.proctor, "proctor:extend", both),
        call(room.proctor, "proctor:extend", both),
      ]);
      expect(results.filter((r) => r.ok)).to.have.length.greaterThan(0);
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before + 10 * MINUTE);
      expect(await extendEvents(attemptId)).to.equal(2);
      // Another extension (a new id) is another extension.
      ok(await call(room.proctor, "proctor:extend", { ...payload, requestId: "req-0003-abcdef" }));
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before + 15 * MINUTE);
      // The id of one extension with other minutes or another reason names another extension:
      // refused, rather than told the first one's outcome as if this one had been made.
      for (const changed of [{ minutes: 9 }, { reason: "考场停电" }]) {
        const reused = await call(room.proctor, "proctor:extend", { ...payload, ...changed });
        expect(reused.ok ? "ok" : reused.error.code).to.equal("request_id_reused");
      }
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before + 15 * MINUTE);
    } finally {
      room.close();
    }
  });

  it("when an extension waiting for approval is sent again, then one request waits and the repeat names it; another proctor cannot reuse the id", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const payload = { attemptId, minutes: 20, reason: "考生电脑故障", requestId: "req-0100-abcdef" };
      const first = ok(await call(room.proctor, "proctor:extend", payload));
      const again = ok(await call(room.proctor, "proctor:extend", payload));
      expect(first.pending?.requestId).to.be.a("string");
      expect(again.pending?.requestId).to.equal(first.pending?.requestId);
      expect((await attemptDoc(attemptId))?.pendingExtensions).to.have.length(1);
      const other = await call(second, "proctor:extend", payload);
      expect(other.ok ? "ok" : other.error.code).to.equal("request_id_reused");
      expect((await attemptDoc(attemptId))?.pendingExtensions).to.have.length(1);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a request id is not a bounded token, then the extension is refused as invalid", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const bad = await call(room.proctor, "proctor:extend", {
        attemptId,
        minutes: 5,
        reason: "考生电脑故障",
        requestId: "x".repeat(65),
      });
      expect(bad.ok).to.equal(false);
    } finally {
      room.close();
    }
  });
});
