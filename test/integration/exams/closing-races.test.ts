import { expect } from "chai";
import type { Model } from "mongoose";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** The code a call was refused with (none: it was not refused). */
async function refusedWith(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? "unknown";
  }
}

/**
 * A save or hand-in meeting the attempt's close: what the candidate is told must be what the
 * attempt holds, and a closed attempt takes no more writes.
 */
describe("exam delivery: saves and hand-ins meeting the close", () => {
  // No sweep: each test decides when its attempt closes.
  const env = useExamNode({ sweepIntervalMs: 3_600_000, graceSeconds: 1 });
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;

  it("when an out-of-order save is recorded as the attempt closes, then it is refused as closed and the closed attempt is not written", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]!.attemptId;
    const exams = env.node.delivery.exams;
    const model = Attempts() as unknown as Model<unknown>;
    // The node's own model (one per connection): its updates pass through the stand-in below.
    const original = model.updateOne.bind(model);
    try {
      await exams.saveAnswer(id, { seq: 2, index: 0, choice: ["T"] });
      // The attempt closes (elsewhere) just before the older seq is recorded as received.
      let closed: { lastSeq?: number; seenUpTo?: number; seen?: number[] } | null = null;
      model.updateOne = ((...args: Parameters<typeof original>) => {
        const filter = (args[0] ?? {}) as unknown as Record<string, unknown>;
        if (!closed && "seen" in filter) {
          const raw = model.collection;
          return raw
            .updateOne({ _id: id } as never, { $set: { status: "submitted", closeReason: "deadline" } })
            .then(async () => {
              closed = (await raw.findOne({ _id: id } as never, {
                projection: { lastSeq: 1, seenUpTo: 1, seen: 1 },
              })) as typeof closed;
              return original(...args);
            }) as never;
        }
        return original(...args);
      }) as typeof original;
      const code = await refusedWith(exams.saveAnswer(id, { seq: 1, index: 0, choice: ["F"] }));
      expect(closed, "fixture: the close came in between").to.not.equal(null);
      expect(code).to.equal("attempt_closed");
      const doc = await Attempts().findById(id, { lastSeq: 1, seenUpTo: 1, seen: 1 }).lean();
      expect({ lastSeq: doc?.lastSeq, seenUpTo: doc?.seenUpTo, seen: doc?.seen }).to.deep.equal({
        lastSeq: closed!.lastSeq,
        seenUpTo: closed!.seenUpTo,
        seen: closed!.seen,
      });
    } finally {
      Reflect.deleteProperty(model, "updateOne");
      room.close();
    }
  });

  it("when a candidate hands in after the deadline and its grace, before the sweeper came, then the attempt closes at the deadline", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]!.attemptId;
    try {
      await Attempts().updateOne({ _id: id }, { $set: { deadline: new Date(Date.now() - 10_000) } });
      const view = await env.node.delivery.exams.submitByCandidate(id, 0);
      expect(view.status).to.equal("submitted");
      const doc = await Attempts().findById(id, { closeReason: 1, status: 1 }).lean();
      expect(doc?.closeReason).to.equal("deadline");
    } finally {
      room.close();
    }
  });

  it("when a candidate hands in before the deadline, then it is their own hand-in", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]!.attemptId;
    try {
      await Attempts().updateOne({ _id: id }, { $set: { deadline: new Date(Date.now() + 60_000) } });
      await env.node.delivery.exams.submitByCandidate(id, 0);
      expect((await Attempts().findById(id, { closeReason: 1 }).lean())?.closeReason).to.equal("candidate");
    } finally {
      room.close();
    }
  });
});
