import { expect } from "chai";
import { answerOf } from "../../helpers/answers.js";
import { commandsDuring } from "../../helpers/commands.js";
import { findBrokenLink, missingSeqsOf, SYSTEM, type ChainEvent } from "../../../server/exams/index.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** Background collections (heartbeat, outbox poll): not part of any save. */
const BACKGROUND = /^\S+ (exam_instances|outbox)$/;

/**
 * Group commit of answer saves (issue 17): the saves of one moment go to the database as one bulk
 * write, and each keeps every guarantee a save sent alone has, with its own acknowledgement.
 */
describe("exam delivery: saves written as a group", () => {
  const env = useExamNode({ monitorCommands: true, sweepIntervalMs: 3_600_000 });
  const exams = () => env.node.delivery.exams;
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;

  /** A released room whose candidates have each saved once (this instance then holds their attempts). */
  async function aWarmRoom(candidates: number) {
    const room = await aRoom(env.node, { candidates, release: true });
    const ids = room.candidates.map((c) => c.attemptId);
    // Each candidate's paper as received: the saves name keys its questions offer.
    const papers = room.candidates.map((c) => c.attempt);
    for (const [i, id] of ids.entries())
      await exams().saveAnswer(id, { seq: 1, index: 0, choice: answerOf(papers[i] ?? null, 0) });
    return { room, ids, papers };
  }

  const chainOf = async (id: string) =>
    ((await Attempts().findById(id).lean())?.events ?? []) as ChainEvent[];

  it("when three candidates save in the same moment, then one update command carries them and each is acknowledged with its own seq", async () => {
    const { room, ids, papers } = await aWarmRoom(3);
    const chosen = ids.map((_id, i) => answerOf(papers[i] ?? null, 1 + i, 1));
    try {
      let acks: Awaited<ReturnType<ReturnType<typeof exams>["saveAnswer"]>>[] = [];
      const sent = await commandsDuring(
        env.node.ctx.conn,
        async () => {
          acks = await Promise.all(
            ids.map((id, i) => exams().saveAnswer(id, { seq: 2 + i, index: 1 + i, choice: chosen[i] ?? [] })),
          );
        },
        { ignore: BACKGROUND },
      );
      expect(sent).to.deep.equal(["update exam_attempts"]);
      acks.forEach((ack, i) => {
        expect(ack).to.include({
          attemptId: ids[i],
          applied: true,
          seq: 2 + i,
          savedSeq: 2 + i,
          index: 1 + i,
        });
      });
      for (const [i, id] of ids.entries()) {
        const doc = await Attempts().findById(id).lean();
        expect(doc?.answers[1 + i]).to.deep.include({ choice: chosen[i], seq: 2 + i });
        expect(findBrokenLink((doc?.events ?? []) as ChainEvent[])).to.equal(null);
      }
    } finally {
      room.close();
    }
  });

  it("when two saves of one attempt arrive in the same moment, then they behave exactly as if sent one after another", async () => {
    const { room, ids, papers } = await aWarmRoom(1);
    const id = ids[0] ?? "";
    const third = answerOf(papers[0] ?? null, 3);
    try {
      // Newer first, then an older seq of the same question: the older one must not overwrite it.
      const [newer, older] = await Promise.all([
        exams().saveAnswer(id, { seq: 3, index: 2, choice: ["C"] }),
        exams().saveAnswer(id, { seq: 2, index: 2, choice: ["D"] }),
      ]);
      expect(newer).to.include({ applied: true, savedSeq: 3 });
      expect(older).to.include({ applied: false, savedSeq: 3 });
      // Two new seqs of different questions: both applied, in order, on one unbroken chain.
      const [a, b] = await Promise.all([
        exams().saveAnswer(id, { seq: 4, index: 3, choice: third }),
        exams().saveAnswer(id, { seq: 5, index: 4, choice: ["B"] }),
      ]);
      expect([a.applied, b.applied]).to.deep.equal([true, true]);
      const doc = await Attempts().findById(id).lean();
      expect(doc?.answers[2]).to.deep.include({ choice: ["C"], seq: 3 });
      expect(doc?.answers[3]).to.deep.include({ choice: third, seq: 4 });
      expect(doc?.answers[4]).to.deep.include({ choice: ["B"], seq: 5 });
      expect(missingSeqsOf({ seen: doc?.seen ?? [], seenUpTo: doc?.seenUpTo }, 5)).to.deep.equal([]);
      const chain = await chainOf(id);
      expect(findBrokenLink(chain)).to.equal(null);
      expect(chain.filter((e) => e.type === "answer").map((e) => e.data.seq)).to.deep.equal([1, 3, 4, 5]);
    } finally {
      room.close();
    }
  });

  it("when one attempt of a group was paused or its deadline passed behind this instance's back, then only its save is refused and its neighbours are saved", async () => {
    const { room, ids } = await aWarmRoom(3);
    const [paused, expired, open] = ids as [string, string, string];
    try {
      // As another instance would: this instance's copies still say "in progress, not paused".
      await Attempts().updateOne({ _id: paused }, { $set: { pausedAt: new Date() } });
      await Attempts().updateOne({ _id: expired }, { $set: { deadline: new Date(Date.now() - 60_000) } });
      const results = await Promise.allSettled([
        exams().saveAnswer(paused, { seq: 2, index: 1, choice: ["B"] }),
        exams().saveAnswer(expired, { seq: 2, index: 1, choice: ["B"] }),
        exams().saveAnswer(open, { seq: 2, index: 1, choice: ["B"] }),
      ]);
      const codes = results.map((r) =>
        r.status === "rejected" ? (r.reason as { code?: string }).code : "saved",
      );
      expect(codes).to.deep.equal(["attempt_paused", "attempt_closed", "saved"]);
      expect((await Attempts().findById(paused).lean())?.answers[1]?.seq ?? 0).to.equal(0);
      expect((await Attempts().findById(expired).lean())?.answers[1]?.seq ?? 0).to.equal(0);
      expect((await Attempts().findById(open).lean())?.answers[1]).to.deep.include({ choice: ["B"], seq: 2 });
    } finally {
      room.close();
    }
  });

  it("when an attempt is closed in the same moment as a group of saves, then it is closed exactly once and its save is either in the chain before the close or refused", async () => {
    const { room, ids } = await aWarmRoom(2);
    const [closing, neighbour] = ids as [string, string];
    try {
      const [save, closed, other] = await Promise.allSettled([
        exams().saveAnswer(closing, { seq: 2, index: 1, choice: ["C"] }),
        exams().closeAttempt(closing, "forced", SYSTEM),
        exams().saveAnswer(neighbour, { seq: 2, index: 1, choice: ["C"] }),
      ]);
      expect(closed).to.deep.equal({ status: "fulfilled", value: true });
      expect(other.status).to.equal("fulfilled");
      expect(await exams().closeAttempt(closing, "forced", SYSTEM)).to.equal(false);
      const chain = await chainOf(closing);
      expect(findBrokenLink(chain)).to.equal(null);
      const closes = chain.filter((e) => e.type === "submit");
      expect(closes).to.have.length(1);
      const saved = chain.filter((e) => e.type === "answer" && e.data.seq === 2);
      if (save.status === "fulfilled") {
        expect(save.value.applied).to.equal(true);
        expect(saved).to.have.length(1);
        expect(saved[0]?.n ?? 0).to.be.below(closes[0]?.n ?? 0);
      } else {
        expect((save.reason as { code?: string }).code).to.equal("attempt_closed");
        expect(saved).to.have.length(0);
      }
      const { Results } = examDb(env.node.ctx.conn);
      expect(await Results.countDocuments({ attemptId: closing })).to.equal(1);
    } finally {
      room.close();
    }
  });
});
