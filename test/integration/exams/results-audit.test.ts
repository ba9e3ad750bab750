import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { testConfig } from "../../helpers/test-config.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { createResultsService, type SchedulingPort } from "../../../server/exams/index.js";
import type { FeatureContext } from "../../../server/feature.js";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { useTestDatabase } from "../../helpers/database.js";

const officer = { id: "officer-results", name: "成绩发布员", kind: "staff" as const };

/** A session that ended an hour ago with nobody seated: publishable at once. */
function anEndedSession(id: string): ExamSessionDto {
  const startsAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
  const endsAt = new Date(Date.now() - 3_600_000).toISOString();
  return {
    id,
    categoryCode: "01001",
    testCentreName: "南京考点",
    roomName: "第一考场",
    startsAt,
    endsAt,
    lateEntryMinutes: 20,
    divisionCode: "320100",
  } as ExamSessionDto;
}

describe("exam results: publication and its audit entry are one transaction", () => {
  const db = useTestDatabase("results_audit");
  let ctx: FeatureContext;
  before(() => {
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      LOG_LEVEL: "silent",
    });
    const logger = createLogger({ level: "silent", name: "results-audit" });
    ctx = { config, logger, conn: db.conn, events: createEventBus(logger) };
  });

  const scheduling = (session: ExamSessionDto): SchedulingPort => ({
    getSession: async (id) => (id === session.id ? session : null),
    listAssignments: async () => [],
    holdRoomUntil: async () => true,
    claimScheduled: async (id) => id === session.id && session.status === "scheduled",
    claimSeat: async (id) =>
      id === session.id && session.status === "scheduled" ? session : "session_cancelled",
    pinBlueprint: async (id) => (id === session.id ? session.blueprint : null),
  });
  const nobody = { reportAttempts: async () => [] };
  const entries = (sessionId: string) =>
    db.conn
      .collection("audit_log")
      .countDocuments({ action: "exam.results_published", "target.id": sessionId });

  it("when an officer publishes, then the publication and exactly one audit entry are stored and the chain verifies", async () => {
    const session = anEndedSession(`s-ok-${Date.now()}`);
    const audit = createAuditService(db.conn);
    const results = createResultsService(ctx, { exams: nobody, scheduling: scheduling(session), audit });
    await results.publish(officer, session.id);
    expect(await results.isPublished(session.id)).to.equal(true);
    expect(await entries(session.id)).to.equal(1);
    expect(await audit.verify()).to.deep.include({ ok: true });
  });

  it("when the audit entry cannot be written, then the session stays unpublished and can be published later", async () => {
    const session = anEndedSession(`s-fail-${Date.now()}`);
    const real = createAuditService(db.conn);
    const failing: AuditLog = { ...real, append: () => Promise.reject(new Error("audit store unavailable")) };
    const broken = createResultsService(ctx, {
      exams: nobody,
      scheduling: scheduling(session),
      audit: failing,
    });
    let refused = false;
    await broken.publish(officer, session.id).catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);
    expect(await broken.isPublished(session.id)).to.equal(false);
    expect(
      await db.conn.collection("exam_results").countDocuments({ sessionId: session.id, official: true }),
    ).to.equal(0);
    expect(await entries(session.id)).to.equal(0);

    const working = createResultsService(ctx, {
      exams: nobody,
      scheduling: scheduling(session),
      audit: real,
    });
    await working.publish(officer, session.id);
    expect(await entries(session.id)).to.equal(1);
  });
});
