import { expect } from "chai";
import type { CandidateAttemptDto } from "../../../server/contracts/exams.js";
import {
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type TestSocket,
} from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, leaks, ok, type Received } from "./support/clients.js";
import type { ExamSocket } from "./support/clients.js";

/**
 * The whole node as deployed (server/features.ts): real login (passport sessions shared with
 * socket.io), real scheduling, papers assembled from the seeded sample bank.
 */
describe("exam delivery: on a full province node", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  it("when a logged-in proctor checks in and releases a logged-in candidate, then the candidate answers, submits and gets a provisional result", async () => {
    const fixture = await scheduleCandidates(env.node, {
      count: 1,
      startsInMinutes: 1,
      earliestHandInMinutes: 0,
    });
    const cand = fixture.candidates[0];
    if (!cand) throw new Error("fixture");
    const proctor = await staffAgent(env.node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const pSock = (await connectSocket(env.node, proctor)) as unknown as ExamSocket;
    const login = await loginCandidate(env.node, {
      idNumber: cand.idNumber,
      ticketNo: cand.assignment.ticketNo,
      seatToken: cand.seatToken,
    });
    const cSock = (await connectSocket(env.node, login)) as TestSocket as unknown as ExamSocket;
    const received: Received = { log: [] };
    cSock.onAny((event: string, ...args: unknown[]) => received.log.push(JSON.stringify([event, ...args])));
    try {
      const room = ok(await call(pSock, "proctor:watch", { sessionId: fixture.session.id }));
      expect(room.seats.map((s) => s.state)).to.deep.equal(["not_arrived"]);
      const checked = ok(
        await call(pSock, "proctor:check_in", {
          sessionId: fixture.session.id,
          candidateId: cand.id,
          idNumber: cand.idNumber,
        }),
      );
      expect(checked.seat.state).to.equal("checked_in");
      expect(checked.seat.total).to.equal(100);
      const synced = ok(await call(cSock, "attempt:sync", {}, received));
      expect(synced.questions).to.equal(null);
      ok(await call(cSock, "attempt:confirm", { attemptId: synced.attemptId }, received));
      const started = new Promise<CandidateAttemptDto>((r) => cSock.once("attempt:started", r));
      // The fixture's session starts a minute from now (candidates may log in only inside its window),
      // so this is an early release and needs its written reason.
      ok(
        await call(pSock, "proctor:release", {
          sessionId: fixture.session.id,
          earlyReason: "考生全部到齐，经考点主任同意提前开考",
        }),
      );
      const paper = await started;
      expect(paper.questions).to.have.length(100);
      const save = ok(
        await call(
          cSock,
          "attempt:answer",
          { attemptId: paper.attemptId, seq: 1, index: 0, choice: ["T"] },
          received,
        ),
      );
      expect(save.applied).to.equal(true);
      const done = ok(
        await call(cSock, "attempt:submit", { attemptId: paper.attemptId, lastSeq: 1 }, received),
      );
      expect(done.status).to.equal("submitted");
      expect(done.result?.official).to.equal(false);
      expect(leaks(received)).to.deep.equal([]);
    } finally {
      pSock.close();
      cSock.close();
    }
  });
});
