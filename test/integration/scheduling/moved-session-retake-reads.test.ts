import { expect } from "chai";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { commandsDuring, isDeadlineSweepRead } from "../../helpers/commands.js";
import { useTestNode } from "../../helpers/node.js";

const DAY = 86_400_000;

/**
 * Moving a session earlier judges the retake policy again for everyone seated (moved-session-
 * retakes.test.ts). It was asked once per seated candidate, up to three reads each (their past
 * attempts, the category's blueprint, its policy), all inside the audit transaction that queues
 * the node's other audited changes: a room of 30 held the queue for 90 reads. Now one ask answers
 * the whole room in a fixed number of reads.
 */
describe("scheduling: moving a session checks the seated candidates' retake policy in a bounded number of reads", function () {
  this.timeout(120_000);
  const env = useTestNode({ monitorCommands: true });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  /** A session 20 days ahead with `count` seated candidates, seated through the REST route. */
  async function aSessionSeating(count: number) {
    const startsAt = new Date(Date.now() + 20 * DAY);
    const session = await aSessionThroughApi(env.node, officer, startsAt, count);
    for (let i = 0; i < count; i++) {
      const c = await registerTestCandidate(env.node, { name: `考生${i}` });
      await officer.agent
        .post(`/api/exam-sessions/${session.id}/assignments`)
        .send({ candidateId: c.id })
        .expect(201);
    }
    return { session, startsAt };
  }

  /** The database commands of moving the session a day earlier (index builds and background loops left out). */
  async function commandsOfMovingEarlier(count: number): Promise<string[]> {
    const { session, startsAt } = await aSessionSeating(count);
    const earlier = new Date(startsAt.getTime() - DAY).toISOString();
    return commandsDuring(
      env.node.ctx.conn,
      async () => {
        const res = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: earlier });
        expect([res.status, res.body.error?.code]).to.deep.equal([200, undefined]);
      },
      // The node's own loops (the outboxes, the deadline sweep) are not the move's work.
      {
        ignore: /^createIndexes|outbox$|^find exchange_outgoing$|^findAndModify exam_attempts$/,
        ignoreCommand: isDeadlineSweepRead,
      },
    );
  }

  it("when a session with 30 seated candidates is moved earlier, then the retake check reads the attempts once and sends as many commands as for 3 seated", async () => {
    // A first move warms the models (their first use builds indexes), not counted.
    await commandsOfMovingEarlier(1);
    const few = await commandsOfMovingEarlier(3);
    const many = await commandsOfMovingEarlier(30);
    expect(many.filter((c) => c === "find exam_attempts")).to.have.length(1);
    expect(many).to.deep.equal(few);
  });
});
