import { expect } from "chai";
import { createExchangeStats } from "../../../server/exchange/index.js";
import {
  createRegistryService,
  createReportService,
  type ExchangeFactsPort,
} from "../../../server/hub/index.js";
import { monthOf } from "../../../server/hub/report/index.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber } from "./support.js";

const MINUTE = 60_000;
const nearestRank = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;

/**
 * The exchange figures of the monthly report, computed by the database per province and kind
 * rather than from every case of the month read into the hub's memory, and only for the province
 * asked for. The figures themselves are those report.test.ts checks end to end.
 */
describe("exchange figures of the monthly report", () => {
  const db = useTestDatabase("hub_xstats");
  const from = new Date(Date.now() - 10 * 86_400_000);
  const to = new Date(Date.now() + 86_400_000);
  const at = (minutes: number) => new Date(from.getTime() + minutes * MINUTE);
  /** The answer times (ms) of 江苏's received filings, as the test stored them. */
  const answerTimes: number[] = [];

  before(async () => {
    const aCase = (
      kind: string,
      fromProvince: string,
      toProvince: string,
      sent: Date,
      answered: Date | null,
      state: string,
      deadline: Date,
      overdue = false,
    ) => ({
      caseId: `xs-${Math.random().toString(36).slice(2)}`,
      kind,
      fromProvince,
      toProvince,
      senderDivision: fromProvince,
      responsibleDivision: toProvince,
      idNumber: aNewIdNumber(),
      lookupId: null,
      body: {},
      bodyHash: "0".repeat(64),
      state,
      sentAt: sent,
      deliveredAt: sent,
      deadlineAt: deadline,
      answeredAt: answered,
      ack: answered ? { outcome: state === "ended" ? "problem" : state } : null,
      endedAt: null,
      end: null,
      overdue,
      escalatedAt: null,
    });
    const cases = [];
    // Twenty-three filings from 北京 to 江苏, answered after 1, 4, 9 … minutes (squares: no two alike).
    for (let i = 1; i <= 23; i++) {
      const sent = at(i * 60);
      const answered = new Date(sent.getTime() + i * i * MINUTE);
      answerTimes.push(answered.getTime() - sent.getTime());
      cases.push(
        aCase(
          "filing",
          "110000",
          "320000",
          sent,
          answered,
          i % 5 === 0 ? "problem" : "acknowledged",
          at(i * 60 + 200),
        ),
      );
    }
    cases.push(
      aCase("notice", "110000", "320000", at(5), null, "delivered", new Date(Date.now() - MINUTE), true),
      aCase("notice", "110000", "320000", at(6), null, "ended", new Date(Date.now() - MINUTE)),
      aCase("transfer", "320000", "110000", at(7), null, "delivered", to),
      aCase("filing", "320000", "440000", at(8), at(9), "acknowledged", to),
      // Outside the window: counted nowhere.
      aCase("filing", "110000", "320000", new Date(from.getTime() - MINUTE), null, "sent", to),
    );
    await db.conn.collection("exchange_cases").insertMany(cases);
  });

  it("when 江苏's figures are computed, then counts and answer-time percentiles equal the stored cases", async () => {
    const rows = await createExchangeStats(db.conn).stats({ from, to });
    const js = (kind: string) => rows.find((r) => r.province === "320000" && r.kind === kind);
    expect(js("filing")).to.deep.equal({
      province: "320000",
      kind: "filing",
      sent: 1,
      received: 23,
      answered: 23,
      problems: 4,
      // Answered after its deadline (200 minutes after sending): i² > 200, i ≥ 15.
      overdue: 9,
      waitingOpen: 0,
      overdueOpen: 0,
      answeredInTime: 14,
      due: 23,
      ackMedianMs: nearestRank(answerTimes, 50),
      ackP95Ms: nearestRank(answerTimes, 95),
    });
    expect(js("notice")).to.include({
      received: 2,
      answered: 0,
      overdue: 1,
      waitingOpen: 1,
      overdueOpen: 1,
      answeredInTime: 0,
      due: 1,
      ackMedianMs: null,
      ackP95Ms: null,
    });
    expect(js("transfer")).to.include({ sent: 1, received: 0 });
    expect(rows.map((r) => `${r.province}:${r.kind}`)).to.deep.equal([
      "110000:filing",
      "110000:notice",
      "110000:transfer",
      "320000:filing",
      "320000:notice",
      "320000:transfer",
      "440000:filing",
    ]);
  });

  it("when the figures of one province are asked for, then only its rows come back, equal to its rows among all", async () => {
    const stats = createExchangeStats(db.conn);
    const all = await stats.stats({ from, to });
    const one = await stats.stats({ from, to }, "320000");
    expect(one).to.deep.equal(all.filter((r) => r.province === "320000"));
  });

  it("when the report is asked for one province, then it asks the exchange for that province's figures only", async () => {
    const registry = createRegistryService(db.conn);
    for (const provinceCode of ["320000", "110000"])
      await registry.register({
        provinceCode,
        name: provinceCode,
        nodeKey: generateNodeKey().publicKeyX,
        certificateKeys: [],
      });
    const asked: (string | undefined)[] = [];
    const exchange: ExchangeFactsPort = {
      stats: (range, province) => {
        asked.push(province);
        return createExchangeStats(db.conn).stats(range, province);
      },
      backlog: () => Promise.resolve([]),
    };
    const reports = createReportService(db.conn, {
      registry,
      timeZone: "Asia/Shanghai",
      latencyTargetHours: 24,
      exchange,
    });
    const report = await reports.monthReport(monthOf(new Date(), "Asia/Shanghai"), "110000");
    expect(asked).to.deep.equal(["110000"]);
    expect(report.provinces.map((p) => p.provinceCode)).to.deep.equal(["110000"]);
  });
});
