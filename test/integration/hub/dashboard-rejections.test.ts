import { expect } from "chai";
import { reservedIdNumber } from "../../../scripts/conformance/test-identities.js";
import { CONFORMANCE_RECORD_PREFIX, type CollectionReceipt } from "../../../server/contracts/hub.js";
import { createDashboardService, createReportService } from "../../../server/hub/index.js";
import { monthOf } from "../../../server/hub/report/index.js";
import { createMessageLog } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * The dashboard's 24-hour figures count what the monthly report counts: a rejected record once
 * however often it is re-sent, and none of the conformance kit's test records.
 */
describe("hub dashboard: the rejections of the last 24 hours", () => {
  const provinceDb = useTestDatabase("prov_dash_rejections");
  let hub: TestHub;
  let guangdong: Awaited<ReturnType<typeof aRegisteredProvince>>;

  before(async () => {
    hub = await startTestHub();
    guangdong = await aRegisteredProvince(hub, "440000", provinceDb.conn);
  });
  after(async () => {
    await hub?.node.stop();
  });

  // Our own publisher signs every attempt afresh, with a new nonce and a new batch id.
  const publish = async (records: unknown[]) => {
    const answer = await guangdong.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `b-${Math.random().toString(36).slice(2)}`,
      records,
    });
    expect(answer.status, answer.rawBody).to.equal(200);
    return answer.body.results.map((r) => r.outcome);
  };
  const dashboardRow = async () => {
    const dashboard = createDashboardService(hub.node.ctx.conn, {
      registry: hub.registry,
      log: createMessageLog(hub.node.ctx.conn),
      timeZone: "Asia/Shanghai",
    });
    const row = (await dashboard.snapshot()).provinces.find((p) => p.provinceCode === "440000");
    expect(row).to.not.equal(undefined);
    return row!;
  };
  const monthRow = async () => {
    const reports = createReportService(hub.node.ctx.conn, {
      registry: hub.registry,
      timeZone: "Asia/Shanghai",
      latencyTargetHours: 24,
    });
    return (await reports.monthReport(monthOf(new Date(), "Asia/Shanghai"), "440000")).provinces[0]!;
  };

  it("when a rejected record is re-sent in new batches and kit records are rejected beside it, then the 24-hour figures count it once, leave the kit out and agree with the month's", async () => {
    const good = aPassRecord({ province: "440000", idNumber: aNewIdNumber("440103") });
    const id = good.practitioner.idNumber;
    const bad = aPassRecord({
      province: "440000",
      idNumber: id.slice(0, 17) + (id.endsWith("1") ? "2" : "1"),
    });
    // The kit's deliberate refusal (C02): its test practitioner with a wrong check character.
    const kitId = reservedIdNumber("440000");
    const kitBad = {
      ...aPassRecord({ province: "440000", recordId: `${CONFORMANCE_RECORD_PREFIX}abc123-bad` }),
      practitioner: { idNumber: kitId.slice(0, 17) + (kitId.endsWith("0") ? "1" : "0"), name: "测试" },
    };
    const kitGood = {
      ...aPassRecord({ province: "440000", recordId: `${CONFORMANCE_RECORD_PREFIX}abc123-good` }),
      practitioner: { idNumber: kitId, name: "测试" },
    };

    expect(await publish([bad, good])).to.deep.equal(["rejected", "accepted"]);
    expect(await publish([bad])).to.deep.equal(["rejected"]);
    expect(await publish([bad, kitBad, kitGood])).to.deep.equal(["rejected", "rejected", "accepted"]);

    const row = await dashboardRow();
    expect(row.rejected24h).to.equal(1);
    expect(row.records24h).to.equal(2);
    expect(row.hourly.reduce((a, b) => a + b, 0)).to.equal(2);
    const month = await monthRow();
    expect({ records: row.records24h, rejected: row.rejected24h }).to.deep.equal({
      records: month.published,
      rejected: month.rejected,
    });
  });

  it("when a rejected record is corrected and sent again, then the correction is a new judgement and counts", async () => {
    const before = await dashboardRow();
    const bad = { recordId: "x-malformed-dash", version: 1, categories: ["99999"] };
    expect(await publish([bad])).to.deep.equal(["rejected"]);
    expect(await publish([bad])).to.deep.equal(["rejected"]);
    expect(await publish([{ ...bad, categories: ["88888"] }])).to.deep.equal(["rejected"]);
    const after = await dashboardRow();
    expect(after.rejected24h - before.rejected24h).to.equal(2);
    expect(after.records24h - before.records24h).to.equal(2);
  });
});
