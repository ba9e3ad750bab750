import { expect } from "chai";
import type { SessionRoomDto } from "../../../server/contracts/exams.js";
import { connectSocket, scheduleCandidates, staffAgent } from "../../helpers/auth.js";
import { useNodeWithSampleBanks, type TestNode } from "../../helpers/node.js";
import { call, ok, type ExamSocket } from "../exams/support/clients.js";

/**
 * The deadline sweep holds seats a room-wide outage cost time at most EXAM_OUTAGE_HOLD_MAX_MS past
 * their deadline (0: no hold). The console's outage texts said "30 minutes (the default)" for want
 * of the node's setting: the room view now carries it as `outageHoldMaxMinutes`, on the socket and
 * on the REST room alike.
 */
describe("proctoring: the room view carries the node's outage hold", function () {
  this.timeout(120_000);

  /** The room a proctor of a fresh session on `node` sees: by `proctor:watch` and by REST. */
  async function roomViews(node: TestNode): Promise<{ watched: SessionRoomDto; rest: SessionRoomDto }> {
    const fixture = await scheduleCandidates(node, { count: 1, startsInMinutes: 1 });
    const agent = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const proctor = (await connectSocket(node, agent)) as unknown as ExamSocket;
    try {
      const sessionId = fixture.session.id;
      const watched = ok(await call(proctor, "proctor:watch", { sessionId }));
      const rest = (await agent.agent.get(`/api/exam-sessions/${sessionId}/room`).expect(200))
        .body as SessionRoomDto;
      return { watched, rest };
    } finally {
      proctor.close();
    }
  }

  describe("with a hold of 45 minutes", () => {
    const env = useNodeWithSampleBanks({ env: { EXAM_OUTAGE_HOLD_MAX_MS: String(45 * 60_000) } });

    it("when a proctor opens the room, then it says the hold is 45 minutes", async () => {
      const { watched, rest } = await roomViews(env.node);
      expect(watched.outageHoldMaxMinutes).to.equal(45);
      expect(rest.outageHoldMaxMinutes).to.equal(45);
    });
  });

  describe("with a hold of 90 seconds", () => {
    const env = useNodeWithSampleBanks({ env: { EXAM_OUTAGE_HOLD_MAX_MS: "90000" } });

    it("when a proctor opens the room, then the hold is rounded up to whole minutes, never read as no hold", async () => {
      const { watched, rest } = await roomViews(env.node);
      expect(watched.outageHoldMaxMinutes).to.equal(2);
      expect(rest.outageHoldMaxMinutes).to.equal(2);
    });
  });

  describe("with no hold", () => {
    const env = useNodeWithSampleBanks({ env: { EXAM_OUTAGE_HOLD_MAX_MS: "0" } });

    it("when a proctor opens the room, then it says there is no hold (0)", async () => {
      const { watched, rest } = await roomViews(env.node);
      expect(watched.outageHoldMaxMinutes).to.equal(0);
      expect(rest.outageHoldMaxMinutes).to.equal(0);
    });
  });
});
