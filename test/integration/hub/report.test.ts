import { expect } from "chai";
import type { CollectionReceipt, QualificationRecord } from "../../../server/contracts/hub.js";
import type { Dashboard, MonthReport } from "../../../server/contracts/hub-report.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { aCertificateRecord, aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";
import { beijingMonth, beijingMonthStart, HOUR, SHANGHAI } from "./report-months.js";

// The test's own clock arithmetic (report-months.ts), so the figures are checked against counts
// made without the report's code path.
const updateTimeAgo = (ms: number) =>
  new Date(Date.now() - ms + SHANGHAI).toISOString().replace(/[-:T]/g, "").slice(0, 14);
const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;

describe("hub monthly report, data-quality score and dashboard", () => {
  const provinceDb = useTestDatabase("prov_report");
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aRegisteredProvince>>;
  let beijing: Awaited<ReturnType<typeof aRegisteredProvince>>;
  let operator: AuthedAgent;
  const month = beijingMonth(new Date());

  /** What the test published, by its own account. */
  const sent = {
    "320000": { published: 0, accepted: 0, duplicate: 0, stale: 0, rejected: 0, reasons: {} as Record<string, number>, latencyMs: [] as number[], examLatencyMs: [] as number[], precise: 0, lastBatch: 0, acceptedRecords: new Set<string>() },
    "110000": { published: 0, accepted: 0, duplicate: 0, stale: 0, rejected: 0, reasons: {} as Record<string, number>, latencyMs: [] as number[], examLatencyMs: [] as number[], precise: 0, lastBatch: 0, acceptedRecords: new Set<string>() },
  };
  const window = { before: 0, after: 0 };

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    beijing = await aRegisteredProvince(hub, "110000", provinceDb.conn);
    operator = await staffAgent(hub.node, { roles: ["hub_operator"] });

    type Label = "accepted" | "duplicate" | "stale" | { rejected: string };
    const batch = async (province: "320000" | "110000", items: { record: unknown; label: Label; agoMs?: number; type?: "exam_pass" | "certificate"; precise?: boolean }[]) => {
      const who = province === "320000" ? jiangsu : beijing;
      const answer = await who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId: `t-${Math.random().toString(36).slice(2)}`,
        records: items.map((i) => i.record),
      });
      expect(answer.status).to.equal(200);
      const s = sent[province];
      s.lastBatch = items.length;
      for (const item of items) {
        s.published++;
        if (typeof item.label === "object") {
          s.rejected++;
          s.reasons[item.label.rejected] = (s.reasons[item.label.rejected] ?? 0) + 1;
        } else s[item.label]++;
        // The score counts each record once (its versions are one record): latency from its first
        // version accepted in the month, completeness and acceptance by its last judgement.
        const recordId = (item.record as { recordId: string }).recordId;
        const firstOfRecord = item.label === "accepted" && !s.acceptedRecords.has(recordId);
        if (item.label === "accepted") s.acceptedRecords.add(recordId);
        if (firstOfRecord) {
          if (item.agoMs !== undefined) {
            s.latencyMs.push(item.agoMs);
            if (item.type === "exam_pass") s.examLatencyMs.push(item.agoMs);
          }
          if (item.precise) s.precise++;
        }
      }
    };
    // The exam's day is the day of its UpdateTime: a new record's timeliness starts no later than the
    // end of its exam or issue day, so the fixtures' fixed dates would make every record late.
    const dayAgo = (agoMs: number) => new Date(Date.now() - agoMs + SHANGHAI).toISOString().slice(0, 10);
    const pass = (agoMs: number, extra: Partial<QualificationRecord> = {}): QualificationRecord => {
      const base = aPassRecord();
      return { ...base, updateTime: updateTimeAgo(agoMs), exam: { ...base.exam!, passedOn: dayAgo(agoMs) }, ...extra };
    };
    const issuedAgo = (record: QualificationRecord, agoMs: number): QualificationRecord => ({
      ...record,
      updateTime: updateTimeAgo(agoMs),
      certificate: { ...record.certificate!, issueDate: dayAgo(agoMs) },
    });

    window.before = Date.now();
    const twice = pass(2 * HOUR);
    const certId = aNewIdNumber();
    const certV2 = issuedAgo(aCertificateRecord({ idNumber: certId, version: 2 }), 5 * HOUR);
    const badDigit = aPassRecord();
    const id = badDigit.practitioner.idNumber;
    badDigit.practitioner.idNumber = id.slice(0, 17) + (id.endsWith("1") ? "2" : "1");
    await batch("320000", [
      { record: pass(1 * HOUR), label: "accepted", agoMs: 1 * HOUR, type: "exam_pass" },
      { record: twice, label: "accepted", agoMs: 2 * HOUR, type: "exam_pass" },
      { record: pass(3 * HOUR, { issuingDivision: "320100" }), label: "accepted", agoMs: 3 * HOUR, type: "exam_pass", precise: true },
      { record: pass(30 * HOUR), label: "accepted", agoMs: 30 * HOUR, type: "exam_pass" },
      { record: certV2, label: "accepted", agoMs: 5 * HOUR, type: "certificate" },
      { record: badDigit, label: { rejected: "id_check_digit" } },
      { record: { ...aPassRecord(), issuingDivision: "329999" }, label: { rejected: "unknown_division" } },
    ]);
    await batch("320000", [
      { record: twice, label: "duplicate" },
      { record: aCertificateRecord({ idNumber: certId, version: 1 }), label: "stale" },
      { record: { ...aPassRecord(), exam: { categoryCode: "02001", passedOn: "2026-11-02", score: 50, passMark: 80, chainHash: "b".repeat(64) } }, label: { rejected: "inconsistent" } },
    ]);
    await batch("110000", [
      { record: pass(10 * 60_000, { sourceProvince: "110000", issuingDivision: "110000", practitioner: { idNumber: aNewIdNumber("110101"), name: "李四" } }), label: "accepted", agoMs: 10 * 60_000, type: "exam_pass" },
      { record: { ...aPassRecord({ province: "110000" }), issuingDivision: "119999" }, label: { rejected: "unknown_division" } },
    ]);
    // 转籍: a 江苏 holder moves home to 北京, then 江苏 revokes the certificate it published (a
    // former home may update its own records). The change is filed under the new home; the ledger
    // counts it for 江苏, which sent it, and the report must compare the two alike.
    const moved = aNewIdNumber();
    const movedCert = (version: number, status: "valid" | "revoked") => issuedAgo(aCertificateRecord({ idNumber: moved, version, status }), 4 * HOUR);
    await batch("320000", [{ record: movedCert(1, "valid"), label: "accepted", agoMs: 4 * HOUR, type: "certificate" }]);
    const session = await hub.node.ctx.conn.startSession();
    try {
      await session.withTransaction(() => createHubExchangePort(hub.node.ctx.conn).moveHome(moved, "320000", "110000", "t-transfer", session));
    } finally {
      await session.endSession();
    }
    await batch("320000", [{ record: movedCert(2, "revoked"), label: "accepted", agoMs: 4 * HOUR, type: "certificate" }]);
    window.after = Date.now();

    // Exchange cases as the exchange feature stores them, built here so the report's exchange
    // figures can be checked against the test's own counts (minutes after the month began).
    const base = beijingMonthStart(new Date()).getTime();
    const at = (minutes: number) => new Date(base + minutes * 60_000);
    const aCase = (n: number, kind: string, from: string, to: string, sent: Date, answered: Date | null, state: string, deadline: Date, overdue = false) => ({
      caseId: `case-${n}-${Math.random().toString(36).slice(2)}`, kind, fromProvince: from, toProvince: to, senderDivision: from, responsibleDivision: to,
      idNumber: aNewIdNumber(), lookupId: null, body: {}, bodyHash: "0".repeat(64), state, sentAt: sent, deliveredAt: sent, deadlineAt: deadline,
      answeredAt: answered, ack: answered ? { outcome: state === "ended" ? "problem" : state } : null, endedAt: null, end: null, overdue, escalatedAt: overdue ? new Date() : null,
    });
    const far = new Date(Date.now() + 72 * HOUR);
    await hub.node.ctx.conn.collection("exchange_cases").insertMany([
      aCase(1, "filing", "110000", "320000", at(1), at(31), "acknowledged", far),
      aCase(2, "filing", "110000", "320000", at(2), at(62), "problem", far),
      // Answered with a problem, then ended by its sender: still a problem answered.
      aCase(7, "filing", "110000", "320000", at(7), at(52), "ended", far),
      aCase(3, "notice", "110000", "320000", at(3), null, "delivered", new Date(Date.now() - 1000), true),
      aCase(4, "transfer", "320000", "110000", at(4), null, "delivered", far),
      // Last month: outside this report, but answered, so no backlog either.
      aCase(5, "filing", "110000", "320000", at(-24 * 60), at(-23 * 60), "acknowledged", far),
      // Last month too: ended by its sender before 江苏 answered, so it waits for nobody.
      aCase(6, "filing", "110000", "320000", at(-24 * 60 + 5), null, "ended", far),
    ]);
  });
  after(async () => {
    await hub?.node.stop();
  });

  const report = async (query = "") => {
    const res = await operator.agent.get(`/api/hub/report/months/${month}${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as MonthReport;
  };

  it("when two provinces publish good, bad, duplicate and stale records, then the month's figures equal the test's own counts", async () => {
    const body = await report();
    expect(body).to.include({ month, timeZone: "Asia/Shanghai", partial: true, exchangeIncluded: true });
    expect(body.provinces.map((p) => p.provinceName)).to.have.members(["江苏省", "北京市"]);
    for (const code of ["320000", "110000"] as const) {
      const mine = sent[code];
      const got = body.provinces.find((p) => p.provinceCode === code)!;
      expect(got, code).to.include({
        published: mine.published, accepted: mine.accepted, duplicate: mine.duplicate, stale: mine.stale, rejected: mine.rejected,
        changesAccepted: mine.accepted, ledgerConsistent: true,
      });
      expect(Object.fromEntries(got.rejectedByReason.map((r) => [r.code, r.count])), code).to.deep.equal(mine.reasons);
      // Latency = receipt − UpdateTime: between (before − sent time) and (after − sent time); UpdateTime has whole seconds.
      const within = (gotSeconds: number | null, ms: number) => {
        expect(gotSeconds).to.be.a("number");
        expect(gotSeconds! * 1000).to.be.within(ms - 1000, ms + (window.after - window.before) + 1000);
      };
      within(got.examLatency.medianSeconds, nearestRank(mine.examLatencyMs, 50));
      within(got.examLatency.p95Seconds, nearestRank(mine.examLatencyMs, 95));
      within(got.recordLatency.medianSeconds, nearestRank(mine.latencyMs, 50));
      expect(got.examLatency.count).to.equal(mine.examLatencyMs.length);
      const timely = mine.latencyMs.filter((ms) => ms <= 24 * HOUR).length;
      expect(got.recordLatency.withinTarget).to.equal(timely);
      const division = got.completeness.find((e) => e.key === "division_below_province")!;
      expect(division).to.include({ applicable: mine.acceptedRecords.size, present: mine.precise });
      // The README's formula: weights 0.4 / 0.3 / 0.2 / 0.1. Exchange cases received this month:
      // 江苏 4 (one overdue), 北京 1 (not yet due).
      const elements = got.completeness.reduce((a, e) => [a[0]! + e.present, a[1]! + e.applicable], [0, 0]);
      const a = mine.acceptedRecords.size / (mine.acceptedRecords.size + mine.rejected);
      const t = timely / mine.latencyMs.length;
      const c = elements[0]! / elements[1]!;
      // 北京's one case is not due yet: no response rate, and the other weights stand for the whole.
      const r = code === "320000" ? 3 / 4 : null;
      const weighted = 0.4 * a + 0.3 * t + 0.2 * c + (r === null ? 0 : 0.1 * r);
      expect(got.score).to.equal(Math.round((1000 * weighted) / (r === null ? 0.9 : 1)) / 10);
    }
  });

  it("when filings, transfers and notices were exchanged, then each province's exchange figures equal the cases the test stored", async () => {
    const body = await report();
    const ex = (code: string, kind: string) => body.provinces.find((p) => p.provinceCode === code)!.exchange.find((x) => x.kind === kind);
    expect(ex("320000", "filing")).to.deep.equal({ kind: "filing", sent: 0, received: 3, answered: 3, problems: 2, overdue: 0, ackMedianSeconds: 45 * 60, ackP95Seconds: 60 * 60 });
    expect(ex("320000", "notice")).to.include({ received: 1, answered: 0, overdue: 1, ackMedianSeconds: null });
    expect(ex("320000", "transfer")).to.include({ sent: 1, received: 0 });
    expect(ex("110000", "filing")).to.include({ sent: 3, received: 0 });
    expect(ex("110000", "notice")).to.include({ sent: 1, received: 0 });
    expect(ex("110000", "transfer")).to.include({ sent: 0, received: 1, answered: 0, overdue: 0 });
  });

  it("when one province is asked for, then only its figures come back", async () => {
    const body = await report("?province=110000");
    expect(body.provinces.map((p) => p.provinceCode)).to.deep.equal(["110000"]);
    expect(body.provinces[0]).to.include({ provinceName: "北京市", published: sent["110000"].published });
  });

  it("when the CSV is downloaded, then it carries one row per province with its name and the same figures, for Excel", async () => {
    const res = await operator.agent.get(`/api/hub/report/months/${month}/report.csv`).buffer(true).parse((r, cb) => {
      let text = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (text += c));
      r.on("end", () => cb(null, text));
    });
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/csv/);
    const text = res.body as string;
    expect(text.startsWith("\uFEFF月份,省份,省级代码,上报状态,上报记录,接收")).to.equal(true);
    const js = text.split("\r\n").find((l) => l.includes(",江苏省,"))!;
    const s = sent["320000"];
    // The month as a reader writes it: "2026-12" opened in Excel as a date.
    const [year, mm] = month.split("-");
    const monthShown = `${year}年${Number(mm)}月`;
    expect(js.split(",").slice(0, 9)).to.deep.equal([monthShown, "江苏省", "320000", "已上报", `${s.published}`, `${s.accepted}`, `${s.duplicate}`, `${s.stale}`, `${s.rejected}`]);
  });

  it("when the month is malformed, in the future or before the programme, or the province unknown or unregistered, then each is refused with its own code", async () => {
    const refused = async (url: string, status: number, code: string) => {
      const res = await operator.agent.get(url);
      expect(res.status, `${url} ${JSON.stringify(res.body)}`).to.equal(status);
      expect(res.body.error?.code, url).to.equal(code);
      expect(res.body.error?.message, url).to.match(/[\u4e00-\u9fff]/);
    };
    await refused("/api/hub/report/months/2026-13", 400, "validation_failed");
    await refused("/api/hub/report/months/26-11", 400, "validation_failed");
    await refused(`/api/hub/report/months/${beijingMonth(new Date(), 1)}`, 400, "future_month");
    await refused("/api/hub/report/months/2014-12", 400, "month_before_programme");
    await refused(`/api/hub/report/months/${month}?province=990000`, 400, "unknown_province");
    await refused(`/api/hub/report/months/${month}?province=440000`, 404, "province_not_registered");
    await refused(`/api/hub/report/months/${month}?province=abc`, 400, "validation_failed");
    await refused(`/api/hub/report/months/${month}?province=320000&x=1`, 400, "validation_failed");
    await refused(`/api/hub/report/months/${beijingMonth(new Date(), 1)}/report.csv`, 400, "future_month");
  });

  it("when the dashboard is read, then each province shows its last batch, its 24-hour counts, its message errors and an hourly series", async () => {
    const res = await operator.agent.get("/api/hub/report/dashboard");
    expect(res.status).to.equal(200);
    const body = res.body as Dashboard;
    expect(body.hours).to.have.length(24);
    for (const code of ["320000", "110000"] as const) {
      const row = body.provinces.find((p) => p.provinceCode === code)!;
      expect(row.records24h, code).to.equal(sent[code].published);
      expect(row.rejected24h, code).to.equal(sent[code].rejected);
      expect(row.lastBatch?.records, code).to.equal(sent[code].lastBatch);
      expect(row.hourly.reduce((a, b) => a + b, 0), code).to.equal(sent[code].published);
      expect(row.messages1h, code).to.be.at.least(1);
      expect(row.failedMessages1h, code).to.equal(0);
      expect(row.lastPublishedAt).to.be.a("string");
    }
    // Waiting for an answer now: 江苏 the open notice (overdue; not the filing its sender ended),
    // 北京 the transfer.
    expect(body.provinces.find((p) => p.provinceCode === "320000")).to.include({ exchangeBacklog: 1, exchangeOverdue: 1 });
    expect(body.provinces.find((p) => p.provinceCode === "110000")).to.include({ exchangeBacklog: 1, exchangeOverdue: 0 });
  });
});
