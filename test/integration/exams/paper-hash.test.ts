import { expect } from "chai";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import type { AttemptEventDto } from "../../../server/contracts/exams.js";
import type { Paper } from "../../../server/contracts/paper.js";
import { findBrokenLink, paperHash, type ChainEvent } from "../../../server/exams/index.js";
import { ok, officerUser } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { answerAll, aRoom, useExamNode } from "./support/setup.js";

/**
 * An attempt's chain commits to its frozen paper. It stored only the seed and the blueprint, yet
 * a paper cannot be rebuilt from them (assembly also weighs the candidate's earlier papers and the
 * room's exposure counts): a changed answer key or option order before closing changed the grade
 * and left every link intact. The check-in event now names the paper's hash, the closing the hash
 * of the paper it graded, and verification compares both with the paper stored.
 */
describe("exam delivery: the chain commits to the paper", () => {
  const env = useExamNode();

  const chainOf = async (attemptId: string) =>
    (
      await request(env.node.url)
        .get(`/api/attempts/${attemptId}/events`)
        .set("x-test-user", testUserHeader(officerUser()))
        .expect(200)
    ).body as { valid: boolean; paper: string; events: AttemptEventDto[] };

  it("when an attempt is checked in and handed in, then check-in and closing name the paper's hash and the chain verifies", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      await answerAll(c, 3, true);
      ok(await c.submit());
      const stored = await examDb(env.node.ctx.conn).Papers.findById(c.attemptId).lean<{ paper: Paper }>();
      const hash = paperHash(stored!.paper);
      const chain = await chainOf(c.attemptId);
      expect(chain.events[0]).to.deep.include({ type: "check_in" });
      expect(chain.events[0]?.data.paperHash).to.equal(hash);
      expect(chain.events.at(-1)?.type).to.equal("submit");
      expect(chain.events.at(-1)?.data.paperHash).to.equal(hash);
      expect([chain.valid, chain.paper]).to.deep.equal([true, "intact"]);
    } finally {
      room.close();
    }
  });

  it("when the stored paper's answer key is edited before closing, then the links hold but verification fails, naming the paper", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      await answerAll(c, 3, false);
      // Someone with database access makes the candidate's wrong answers right.
      const { Papers } = examDb(env.node.ctx.conn);
      const stored = await Papers.findById(c.attemptId).lean<{ paper: Paper }>();
      const first = stored!.paper.questions[0]!;
      await Papers.updateOne(
        { _id: c.attemptId },
        { $set: { "paper.questions.0.answer": first.type === "true_false" ? ["F"] : ["D"] } },
      );
      ok(await c.submit());
      const chain = await chainOf(c.attemptId);
      expect(chain.paper).to.equal("changed");
      expect(chain.valid).to.equal(false);
      // Every link still holds: without the paper's hash nothing would show the edit.
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(findBrokenLink((doc?.events ?? []) as ChainEvent[])).to.equal(null);
    } finally {
      room.close();
    }
  });
});
