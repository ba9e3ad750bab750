import { expect } from "chai";
import { Types } from "mongoose";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { call, connect, officerUser, proctorUser } from "../exams/support/clients.js";
import { useExamNode } from "../exams/support/setup.js";

/**
 * Who may not see a session learns nothing from the console (the room snapshot and the `proctor:*`
 * events answer as for a session that does not exist, as `session:read` answers), and a loop of
 * refused requests cannot flood the audit log, whose serial hash chain every proctor's action
 * waits behind: a few refusals per account a minute are audited one by one, the rest in a summary.
 */
describe("proctoring: refusals of sessions that are not the actor's", () => {
  const env = useExamNode();
  const roomOf = (user: AuthUser, sessionId: string) =>
    request(env.node.url)
      .get(`/api/exam-sessions/${sessionId}/room`)
      .set("x-test-user", testUserHeader(user));

  it("when a proctor of another test centre asks for a session's room or acts on it, then it is answered as a session that does not exist; the division's officer sees it but may not proctor it", async () => {
    const { session } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const stranger = proctorUser({ id: "proctor-elsewhere", testCentreId: "tc-elsewhere" });
    const made = new Types.ObjectId().toHexString();

    const theirs = await roomOf(stranger, session.id);
    const none = await roomOf(stranger, made);
    expect([theirs.status, none.status]).to.deep.equal([404, 404]);
    expect(theirs.body).to.deep.equal(none.body);
    expect((theirs.body as { error: { code: string } }).error.code).to.equal("session_not_found");

    const socket = await connect(env.node.url, stranger);
    try {
      const pause = await call(socket, "proctor:pause", { sessionId: session.id, reason: "试图暂停" });
      const pauseNone = await call(socket, "proctor:pause", { sessionId: made, reason: "试图暂停" });
      expect(!pause.ok && pause.error).to.deep.equal(!pauseNone.ok && pauseNone.error);
      expect(!pause.ok && pause.error.code).to.equal("session_not_found");
    } finally {
      socket.close();
    }

    const officer = officerUser({ id: "officer-nanjing", divisionCode: "320100" });
    await roomOf(officer, session.id).expect(200);
    const watching = await connect(env.node.url, officer);
    try {
      const pause = await call(watching, "proctor:pause", { sessionId: session.id, reason: "试图暂停" });
      expect(!pause.ok && pause.error.code).to.equal("forbidden");
    } finally {
      watching.close();
    }
  });
});

describe("proctoring: a flood of refusals is audited within a budget", () => {
  const env = useExamNode();

  it("when a proctor of another test centre loops refused pauses and room requests, then every one is refused, five are audited one by one and the rest in one summary entry", async () => {
    const { session } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const stranger = proctorUser({ id: "proctor-looping", testCentreId: "tc-elsewhere" });
    const audit = env.node.ctx.conn.collection("audit_log");
    const socket = await connect(env.node.url, stranger);
    try {
      const codes: string[] = [];
      for (let i = 0; i < 20; i++) {
        const ack = await call(socket, "proctor:pause", { sessionId: session.id, reason: "循环暂停" });
        codes.push(ack.ok ? "ok" : ack.error.code);
      }
      for (let i = 0; i < 10; i++) {
        const res = await request(env.node.url)
          .get(`/api/exam-sessions/${session.id}/room`)
          .set("x-test-user", testUserHeader(stranger));
        codes.push((res.body as { error?: { code: string } }).error?.code ?? String(res.status));
      }
      expect(new Set(codes)).to.deep.equal(new Set(["session_not_found"]));
      expect(
        await audit.countDocuments({ action: "proctor.refused", "actor.id": "proctor-looping" }),
      ).to.equal(5);

      // The node shuts down: what was only counted is audited in one entry.
      await env.node.delivery.proctoring.stop();
      const summaries = await audit
        .find({ action: "proctor.refused", "details.reason": "summary" })
        .toArray();
      expect(summaries.map((s) => s.details)).to.deep.equal([
        { reason: "summary", refused: 25, accounts: 1 },
      ]);
    } finally {
      socket.close();
    }
  });
});
