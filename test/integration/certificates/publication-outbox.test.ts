import { expect } from "chai";
import { Types } from "mongoose";
import { createAuditService } from "../../../server/audit/index.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { createResultsService } from "../../../server/exams/index.js";
import type { SchedulingPort } from "../../../server/exams/ports.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { eventually } from "../../helpers/eventually.js";
import { anotherInstance, aPass, startCertNode, type TestNode } from "./support.js";

/**
 * Automatic issue after 成绩发布 rides the transactional outbox: the publication's event commits
 * with it, so a process that stops right after the commit loses nothing; whichever instance
 * delivers the outbox next issues the session's certificates.
 */
describe("automatic certificate issue after publication goes through the outbox", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_AUTO_ISSUE: "true" });
  });
  after(async () => node?.stop());

  /** A session that ended yesterday, as scheduling would describe it, with nobody seated. */
  function endedSession(sessionId: string): SchedulingPort {
    const startsAt = new Date(Date.now() - 86_400_000);
    const session = {
      id: sessionId,
      categoryCode: "01001",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
      lateEntryMinutes: 20,
      testCentreName: "测试考点",
      roomName: "第一考场",
    } as ExamSessionDto;
    return {
      getSession: () => Promise.resolve(session),
      listAssignments: () => Promise.resolve([]),
    } as unknown as SchedulingPort;
  }

  it("when a process publishes a session's results and stops before telling anyone, then the event committed with the publication and another instance's delivery issues the pending certificate", async () => {
    const pass = await aPass(node, "01001", { published: false });
    await anotherInstance(node).facade.issuance.onExamPassed(pass);
    const db = node.ctx.conn;
    expect(await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId })).to.include({
      status: "pending",
    });

    // The publishing "process": the results service alone, with no after-commit hook at all, as if
    // it ended the moment its transaction committed.
    const results = createResultsService(node.ctx, {
      exams: { reportAttempts: () => Promise.resolve([]) },
      scheduling: endedSession(pass.sessionId),
      audit: createAuditService(db),
    });
    await results.publish({ id: "officer-1", name: "测试经办", kind: "staff" }, pass.sessionId);

    const event = await outboxModel(db)
      .findOne({ key: `exam.results_published:${pass.sessionId}` })
      .lean();
    expect(event?.payload).to.deep.include({ sessionId: pass.sessionId });
    // The node's own outbox consumer (the instance still running) delivers it.
    const issued = await eventually(() =>
      db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId, status: "issued" }),
    );
    expect(issued).to.include({ status: "issued" });
    expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(1);
  });

  it("when a session has more than a thousand pending passes, then publication issues every one that can be issued, not only the first thousand read", async () => {
    const pass = await aPass(node, "01001", { published: false });
    const db = node.ctx.conn;
    // 1,000 passes ahead of the real one (smaller ids) whose candidate is gone: each automatic issue
    // fails and leaves it pending, as it must; the one after them must still be reached.
    const stuck = Array.from({ length: 1000 }, (_, i) => ({
      _id: new Types.ObjectId(),
      attemptId: `${pass.attemptId}-stuck-${i}`,
      candidateId: `missing-${i}`,
      idNumber: pass.idNumber,
      name: pass.name,
      categoryCode: "01001",
      sessionId: pass.sessionId,
      score: 90,
      passedAt: new Date(),
      chainHash: pass.chainHash,
      divisionCode: "320000",
      status: "pending",
    }));
    await db.collection("certificate_issuances").insertMany(stuck);
    await anotherInstance(node).facade.issuance.onExamPassed(pass);

    const results = createResultsService(node.ctx, {
      exams: { reportAttempts: () => Promise.resolve([]) },
      scheduling: endedSession(pass.sessionId),
      audit: createAuditService(db),
    });
    await results.publish({ id: "officer-1", name: "测试经办", kind: "staff" }, pass.sessionId);

    const issued = await eventually(
      () => db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId, status: "issued" }),
      450,
    );
    expect(issued).to.include({ status: "issued" });
    expect(
      await db
        .collection("certificate_issuances")
        .countDocuments({ sessionId: pass.sessionId, status: "pending" }),
    ).to.equal(1000);
  });
});
