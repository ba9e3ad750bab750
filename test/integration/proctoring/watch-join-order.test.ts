import { expect } from "chai";
import type { IncidentDto } from "../../../server/contracts/exams.js";
import { call, connect, ok } from "../exams/support/clients.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";

/**
 * A console's watch reads the room and joins its push room: a push sent between the two was in
 * neither (the read was before it, the console not yet listening), lost until the next watch.
 */
describe("proctoring: a watch misses no push sent while the room is read", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });

  it("when a report is filed right after the watch read the seats, then the watching console is told of it", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    const second = await connect(env.node.url, {
      ...room.proctorUser,
      id: "proctor-2",
      displayName: "赵监考",
    });
    const exams = env.node.delivery.exams;
    const seatViews = exams.seatViews.bind(exams);
    try {
      let filed: IncidentDto | null = null;
      // The hook between: the watch's read of the seats returns, then another proctor files a
      // report (pushed to the session's room) before the watch goes on.
      exams.seatViews = async (sessionId: string) => {
        const seats = await seatViews(sessionId);
        filed ??= await env.node.delivery.proctoring.incident(room.proctorUser, {
          sessionId: room.session.id,
          kind: "environment",
          note: "读取座位后登记",
        });
        return seats;
      };
      const told: IncidentDto[] = [];
      second.on("session:incident", (dto) => told.push(dto));
      ok(await call(second, "proctor:watch", { sessionId: room.session.id }));
      // A push to the room reaches the console before the answer to a later call does.
      ok(await call(second, "proctor:watch", { sessionId: room.session.id }));
      expect(filed).to.not.equal(null);
      expect(told.map((t) => t.id)).to.include(filed!.id);
    } finally {
      exams.seatViews = seatViews;
      second.close();
      room.close();
    }
  });
});
