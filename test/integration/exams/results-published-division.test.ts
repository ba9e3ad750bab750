import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { createResultsService, type SchedulingPort } from "../../../server/exams/index.js";
import type { FeatureContext } from "../../../server/feature.js";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { useTestDatabase } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";

const officer = { id: "officer-results-division", name: "成绩发布员", kind: "staff" as const };

/** An admin of `divisionCode` (a city's admin sees only entries of that city and below). */
const adminOf = (divisionCode: string): AuthUser => ({
  id: `admin-${divisionCode}`,
  kind: "staff",
  roles: ["admin"],
  displayName: `管理员 ${divisionCode}`,
  divisionCode,
  provinceCode: "320000",
});

/** A session of 南京 (320100) that ended an hour ago with nobody seated: publishable at once. */
function anEndedSessionOf(id: string, divisionCode: string): ExamSessionDto {
  return {
    id,
    categoryCode: "01001",
    testCentreName: "南京考点",
    roomName: "第一考场",
    startsAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    endsAt: new Date(Date.now() - 3_600_000).toISOString(),
    lateEntryMinutes: 20,
    divisionCode,
    status: "scheduled",
  } as ExamSessionDto;
}

/**
 * Other exam audit entries carry the session's division, so a city's admin sees what happened in
 * the city's sessions; publishing results is one of them (it used to carry none and only the
 * province's admins saw it).
 */
describe("the audit entry of a results publication, in a division-scoped listing", () => {
  const db = useTestDatabase("results_published_division");
  let ctx: FeatureContext;
  before(() => {
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      LOG_LEVEL: "silent",
    });
    const logger = createLogger({ level: "silent", name: "results-published-division" });
    ctx = { config, logger, conn: db.conn, events: createEventBus(logger) };
  });

  const scheduling = (session: ExamSessionDto): SchedulingPort => ({
    getSession: async (id) => (id === session.id ? session : null),
    listAssignments: async () => [],
    holdRoomUntil: async () => true,
    claimScheduled: async (id) => id === session.id,
    claimSeat: async (id) => (id === session.id ? session : "session_cancelled"),
    pinBlueprint: async () => null,
  });

  it("when a 南京 session's results are published, then 南京's admin sees the entry under 南京 and 苏州's admin does not", async () => {
    const session = anEndedSessionOf(`s-div-${Date.now()}`, "320100");
    const audit = createAuditService(db.conn);
    const results = createResultsService(ctx, {
      exams: { reportAttempts: async () => [] },
      scheduling: scheduling(session),
      audit,
    });
    await results.publish(officer, session.id);

    const query = { action: "exam.results_published" as const, targetId: session.id, limit: 50 };
    const nanjing = await audit.list(adminOf("320100"), query);
    expect(nanjing.entries.map((e) => [e.action, e.divisionCode])).to.deep.equal([
      ["exam.results_published", "320100"],
    ]);
    expect((await audit.list(adminOf("320500"), query)).entries).to.deep.equal([]);
    expect(await audit.verify()).to.deep.include({ ok: true });
  });
});
