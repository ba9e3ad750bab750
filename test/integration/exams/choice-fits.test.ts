import { expect } from "chai";
import { call } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

describe("exam delivery: an answer is one the question offers", () => {
  const env = useExamNode();

  it("when a save names a key the question does not offer, or several on a single-answer question, then it is refused invalid_choice and nothing is stored", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [candidate] = room.candidates;
    if (!candidate?.socket) throw new Error("fixture");
    const socket = candidate.socket;
    let seq = 100;
    const save = (index: number, choice: string[]) =>
      call(socket, "attempt:answer", { attemptId: candidate.attemptId, seq: seq++, index, choice } as never);
    try {
      // The tiny paper cycles true/false (0), single (1), multiple (2).
      for (const [index, choice] of [
        [0, ["A"]],
        [0, ["T", "F"]],
        [1, ["T"]],
        [1, ["A", "B"]],
        [2, ["A", "F"]],
      ] as const) {
        const ack = await save(index, [...choice]);
        expect(ack.ok ? "ok" : ack.error.code, `${index} ${choice.join("")}`).to.equal("invalid_choice");
      }
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(candidate.attemptId).lean();
      expect(doc?.answers.every((a) => a.choice.length === 0)).to.equal(true);
      for (const [index, choice] of [
        [0, ["T"]],
        [1, ["D"]],
        [2, ["A", "C"]],
      ] as const)
        expect((await save(index, [...choice])).ok, `${index}`).to.equal(true);
    } finally {
      room.close();
    }
  });
});
