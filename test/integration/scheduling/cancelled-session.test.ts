import { expect } from "chai";
import { loginCandidate, scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** A cancelled session hands out no admission documents: no ticket, no seating plan to hang up. */
describe("scheduling: the documents of a cancelled session", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  it("when a session is cancelled, then its tickets and seating plan are refused as session_cancelled, and its seat map still reads as cancelled", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 1 });
    const [c] = candidates;
    if (!c) throw new Error("fixture");
    const seated = await loginCandidate(env.node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    await seated.agent.get("/api/me/admission-ticket").expect(200);
    await officer.agent.get(`/api/exam-sessions/${session.id}/seating-plan.pdf`).expect(200);

    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);

    for (const [who, path] of [
      [officer, `/api/exam-sessions/${session.id}/tickets/${c.id}`],
      [officer, `/api/exam-sessions/${session.id}/tickets/${c.id}/pdf`],
      [officer, `/api/exam-sessions/${session.id}/seating-plan.pdf`],
      [seated, "/api/me/admission-ticket"],
      [seated, "/api/me/admission-ticket/pdf"],
    ] as const) {
      const res = await who.agent.get(path);
      expect(res.status, path).to.equal(409);
      expect(res.body.error.code, path).to.equal("session_cancelled");
      expect(res.body.error.message, path).to.match(/已取消/);
    }
    const map = await officer.agent.get(`/api/exam-sessions/${session.id}/seat-map`).expect(200);
    expect(map.body.session).to.include({ status: "cancelled" });
    expect(map.body.seats.map((s: { assignment: { name: string } | null }) => s.assignment?.name)).to.include(
      c.name,
    );
  });
});
