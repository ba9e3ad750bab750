import { expect } from "chai";
import request from "supertest";
import type { PublishedReportSummary } from "../../../server/contracts/hub-report.js";
import { createExchangeStats } from "../../../server/exchange/index.js";
import { createRegistryService, createReportService } from "../../../server/hub/index.js";
import { REPORT_SETTLE_MS } from "../../../server/hub/report/publication.service.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { staffAgent } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, startTestHub, type TestHub } from "./support.js";

const DAY = 86_400_000;
/** An instant written in Beijing time. */
const beijing = (local: string) => new Date(`${local}+08:00`);

/** An exchange case as the exchange feature stores it, sent by 北京 to 江苏. */
function aCase(sent: Date, deadline: Date, answered: Date | null, state: string, overdue = false) {
  return {
    caseId: `ra-${Math.random().toString(36).slice(2)}`,
    kind: "filing",
    fromProvince: "110000",
    toProvince: "320000",
    senderDivision: "110000",
    responsibleDivision: "320000",
    idNumber: aNewIdNumber(),
    lookupId: null,
    body: {},
    bodyHash: "0".repeat(64),
    state,
    sentAt: sent,
    deliveredAt: sent,
    deadlineAt: deadline,
    answeredAt: answered,
    ack: answered ? { outcome: "acknowledged" } : null,
    endedAt: null,
    end: null,
    overdue,
    escalatedAt: overdue ? deadline : null,
  };
}

describe("hub report: the response rate counts only cases that were due", () => {
  const db = useTestDatabase("hub_report_audit");
  // Twenty minutes after October ended in Beijing: when an operator may publish October.
  const justAfter = beijing("2026-11-01T00:20:00");

  before(async () => {
    const registry = createRegistryService(db.conn);
    for (const provinceCode of ["320000", "110000"])
      await registry.register({
        provinceCode,
        name: provinceCode,
        nodeKey: generateNodeKey().publicKeyX,
        certificateKeys: [],
      });
    await db.conn.collection("exchange_cases").insertMany([
      // Answered within its deadline.
      aCase(
        beijing("2026-10-10T09:00:00"),
        beijing("2026-10-12T09:00:00"),
        beijing("2026-10-11T09:00:00"),
        "acknowledged",
      ),
      // Answered, but after its deadline.
      aCase(
        beijing("2026-10-12T09:00:00"),
        beijing("2026-10-14T09:00:00"),
        beijing("2026-10-15T09:00:00"),
        "acknowledged",
        true,
      ),
      // Never answered, deadline passed.
      aCase(beijing("2026-10-20T09:00:00"), beijing("2026-10-22T09:00:00"), null, "delivered", true),
      // Sent on the last evening of the month: not due until 2 November, unanswered so far.
      aCase(beijing("2026-10-31T23:00:00"), beijing("2026-11-02T23:00:00"), null, "delivered"),
      // Withdrawn by its sender before the deadline: nobody was waiting for an answer.
      aCase(beijing("2026-10-05T09:00:00"), beijing("2026-10-07T09:00:00"), null, "ended"),
    ]);
  });

  const report = () =>
    createReportService(db.conn, {
      registry: createRegistryService(db.conn),
      timeZone: "Asia/Shanghai",
      latencyTargetHours: 24,
      exchange: createExchangeStats(db.conn, { now: () => justAfter }),
      now: () => justAfter,
    }).monthReport("2026-10", "320000");

  it("when October is reported right after it ended, then 江苏's response rate is answered-by-deadline over cases answered or past their deadline", async () => {
    const jiangsu = (await report()).provinces[0]!;
    const responsiveness = jiangsu.components.find((c) => c.key === "responsiveness");
    // One answered in time, of three due (the late answer, the unanswered one); the case not yet
    // due and the withdrawn one are neither answered nor missed.
    expect(responsiveness?.value).to.be.closeTo(1 / 3, 1e-9);
    expect(jiangsu.exchange.find((x) => x.kind === "filing")).to.include({
      received: 5,
      answered: 2,
      overdue: 2,
    });
  });

  it("when only cases not yet due were received, then the response rate has nothing to measure", async () => {
    const stats = createExchangeStats(db.conn, { now: () => justAfter });
    const rows = await stats.stats(
      { from: beijing("2026-10-31T00:00:00"), to: beijing("2026-11-01T00:00:00") },
      "320000",
    );
    expect(rows[0]).to.include({ received: 1, answered: 0, overdue: 0, answeredInTime: 0, due: 0 });
    const later = createExchangeStats(db.conn, { now: () => new Date(justAfter.getTime() + 3 * DAY) });
    const after = await later.stats(
      { from: beijing("2026-10-31T00:00:00"), to: beijing("2026-11-01T00:00:00") },
      "320000",
    );
    expect(after[0]).to.include({ answeredInTime: 0, due: 1 });
  });
});

describe("hub report: the public list of published reports", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.node.stop();
  });

  it("when a report is published, then the public list names the publishing role, never the operator", async () => {
    const operator = await staffAgent(hub.node, { roles: ["hub_operator"], displayName: "李建国" });
    // A month whose exchange deadlines (240 h at most by default) have passed: publishable now.
    const t = new Date(Date.now() - REPORT_SETTLE_MS - 240 * 3600_000 + 8 * 3600_000);
    const lastMonth = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    const published = await operator.agent.post(`/api/hub/report/months/${lastMonth}/publish`).send({});
    expect(published.status, JSON.stringify(published.body)).to.equal(201);

    const res = await request(hub.node.url).get("/api/hub/v1/reports");
    expect(res.status).to.equal(200);
    const [entry] = res.body as PublishedReportSummary[];
    expect(entry).to.include({ month: lastMonth });
    expect(entry?.publishedBy).to.match(/[\u4e00-\u9fff]/);
    expect(JSON.stringify(res.body)).to.not.include("李建国");
  });
});
