import { expect } from "chai";
import type { CollectionReceipt, QualificationRecord } from "../../../server/contracts/hub.js";
import type { ProvinceMonthReport } from "../../../server/contracts/hub-report.js";
import { createReportService } from "../../../server/hub/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  aPassRecord,
  aRegisteredProvince,
  startTestHub,
  type TestHub,
} from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI = 8 * HOUR;
/** The month the crafted ledger rows fall in (Beijing), well before the test's own records. */
const CRAFTED_MONTH = "2026-10";
const craftedAt = (day: number, hour = 10) => new Date(Date.UTC(2026, 9, day, hour - 8));
/** MOT UpdateTime (Beijing) `ms` ago. */
const updateTimeAgo = (ms: number) =>
  new Date(Date.now() - ms + SHANGHAI).toISOString().replace(/[-:T]/g, "").slice(0, 14);
/** The Beijing day `ms` ago, as a record's exam or issue date. */
const beijingDayAgo = (ms: number) => new Date(Date.now() - ms + SHANGHAI).toISOString().slice(0, 10);
const beijingMonth = () => new Date(Date.now() + SHANGHAI).toISOString().slice(0, 7);

/**
 * The data-quality score judges a province's records, not how often it sends them: each record
 * counts once a month by its last judgement (acceptance, completeness) and once by the first
 * version the hub accepted that month (timeliness), whose start is bounded by the exam or issue
 * date the record carries when the record is new at the hub.
 */
describe("hub monthly report: each record counted once", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_report_records");
  let hub: TestHub;
  let report: ReturnType<typeof createReportService>;
  before(async () => {
    hub = await startTestHub();
    report = createReportService(hub.node.ctx.conn, {
      registry: hub.registry,
      timeZone: "Asia/Shanghai",
      latencyTargetHours: 24,
    });
  });
  after(async () => hub?.node.stop());

  const component = (row: ProvinceMonthReport, key: string) =>
    row.components.find((c) => c.key === key)?.value;

  /** A ledger row as the collection interface writes it, for the crafted month. */
  function aRow(over: Record<string, unknown>) {
    return {
      at: craftedAt(10),
      sourceProvince: "320000",
      batchId: `b-${Math.random()}`,
      index: 0,
      recordId: null,
      version: 1,
      recordType: "exam_pass",
      outcome: "accepted",
      reasonCodes: [],
      sourceAt: null,
      elements: {},
      contentHash: null,
      ...over,
    };
  }

  it("when a province re-sends one record's versions, corrects a rejected one and is refused not_home_province or home_contested, then acceptance and completeness count each record once by its last judgement", async () => {
    await aRegisteredProvince(hub, "320000", provinceDb.conn);
    await hub.node.ctx.conn.collection("hub_intake").insertMany([
      // r1: three versions of one record, each accepted and complete.
      ...[1, 2, 3].map((v) =>
        aRow({
          recordId: "r1",
          version: v,
          at: craftedAt(10 + v),
          elements: { division_below_province: true },
        }),
      ),
      // r2: rejected, then corrected and accepted, incomplete.
      aRow({
        recordId: "r2",
        outcome: "rejected",
        reasonCodes: ["unknown_division"],
        contentHash: "a".repeat(64),
        at: craftedAt(11),
      }),
      aRow({ recordId: "r2", version: 1, at: craftedAt(12), elements: { division_below_province: false } }),
      // r3: rejected and never corrected.
      aRow({
        recordId: "r3",
        outcome: "rejected",
        reasonCodes: ["id_check_digit"],
        contentHash: "b".repeat(64),
      }),
      // r4: refused because another province holds the person: no judgement of the record's data.
      aRow({
        recordId: "r4",
        outcome: "rejected",
        reasonCodes: ["not_home_province"],
        contentHash: "c".repeat(64),
      }),
      // r5: refused because its home is contested (the hub operator decides): no judgement either.
      aRow({
        recordId: "r5",
        outcome: "rejected",
        reasonCodes: ["home_contested"],
        contentHash: "e".repeat(64),
      }),
    ]);
    const [row] = (await report.monthReport(CRAFTED_MONTH, "320000")).provinces;
    if (!row) throw new Error("no row for 320000");
    // What was received stays counted as received (the change log counts every version too).
    expect(row).to.include({ accepted: 4, rejected: 4 });
    // r1 and r2 accepted, r3 rejected: 2 of 3.
    expect(component(row, "acceptance")).to.equal(2 / 3);
    expect(row.completeness.find((e) => e.key === "division_below_province")).to.include({
      applicable: 2,
      present: 1,
    });
    expect(row.rejectedByReason.map((r) => r.code)).to.include.members([
      "not_home_province",
      "home_contested",
    ]);
  });

  it("when a rejection carries no reason code, then it still counts against acceptance (only a refusal for ownership alone is left out)", async () => {
    await aRegisteredProvince(hub, "330000", provinceDb.conn);
    await hub.node.ctx.conn.collection("hub_intake").insertMany([
      aRow({ sourceProvince: "330000", recordId: "s1" }),
      aRow({
        sourceProvince: "330000",
        recordId: "s2",
        outcome: "rejected",
        reasonCodes: [],
        contentHash: "d".repeat(64),
      }),
    ]);
    const [row] = (await report.monthReport(CRAFTED_MONTH, "330000")).provinces;
    if (!row) throw new Error("no row for 330000");
    expect(row).to.include({ accepted: 1, rejected: 1 });
    expect(component(row, "acceptance")).to.equal(1 / 2);
  });

  describe("timeliness, through the collection interface", () => {
    let client: Awaited<ReturnType<typeof aRegisteredProvince>>["client"];
    before(async () => {
      ({ client } = await aRegisteredProvince(hub, "450000", provinceDb.conn));
    });
    const publish = async (records: QualificationRecord[]) => {
      const answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId: `b-${Math.random()}`,
        records,
      });
      expect(answer.body.results.map((r) => r.outcome)).to.deep.equal(records.map(() => "accepted"));
    };
    const province = async () => (await report.monthReport(beijingMonth(), "450000")).provinces[0]!;

    it("when a new pass from an exam weeks ago claims an UpdateTime of now, then it is not counted as timely", async () => {
      const pass = aPassRecord({ province: "450000" });
      await publish([
        {
          ...pass,
          issuingDivision: "450000",
          updateTime: updateTimeAgo(60_000),
          exam: { ...pass.exam!, passedOn: beijingDayAgo(20 * DAY) },
        },
      ]);
      const row = await province();
      expect(row.recordLatency).to.include({ count: 1, withinTarget: 0 });
      expect(row.examLatency.medianSeconds).to.be.greaterThan(19 * 24 * 3600);
    });

    it("when a province sends one record's versions minutes apart with fresh UpdateTimes, then the record's timeliness is counted once", async () => {
      const before = (await province()).recordLatency.count;
      const idNumber = aNewIdNumber("450102");
      for (const version of [1, 2, 3]) {
        const cert = aCertificateRecord({
          province: "450000",
          idNumber,
          version,
          name: `王${"五".repeat(version)}`,
        });
        await publish([
          {
            ...cert,
            issuingDivision: "450000",
            updateTime: updateTimeAgo(60_000),
            certificate: {
              ...cert.certificate!,
              issuingAuthority: "广西",
              issueDate: beijingDayAgo(0),
              firstIssueDate: beijingDayAgo(0),
              validFrom: beijingDayAgo(0),
            },
          },
        ]);
      }
      expect((await province()).recordLatency.count).to.equal(before + 1);
    });
  });
});
