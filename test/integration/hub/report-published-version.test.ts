import { expect } from "chai";
import request from "supertest";
import type {
  CurrentMonthReport,
  MonthReport,
  PublishedReport,
} from "../../../server/contracts/hub-report.js";
import { monthReportCsv } from "../../../server/hub/report/report-csv.js";
import { useStaffAgent } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { beijingMonth, HOUR } from "./report-months.js";
import { aNewIdNumber, aRegisteredProvince, useHubWithJiangsu } from "./support.js";

/**
 * A published month's page and CSV show the signed report, never figures recomputed since: a late
 * exchange answer, a province registered afterwards or a changed setting would otherwise make the
 * page disagree with the file the provinces verified.
 */
describe("hub monthly report: a published month reads as it was signed", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("prov_report_signed_view");
  const net = useHubWithJiangsu(provinceDb);
  const operator = useStaffAgent(
    {
      get node() {
        return net.hub.node;
      },
    },
    { roles: ["hub_operator"] },
  );
  // Far enough back that every exchange deadline of the month has passed (publication.service.ts).
  const month = beijingMonth(new Date(), -3);

  it("when figures change after publication, then the month's JSON and CSV still give the signed figures, and a province's live view the new ones", async () => {
    const published = await operator.agent.post(`/api/hub/report/months/${month}/publish`).send({});
    expect(published.status, JSON.stringify(published.body)).to.equal(201);
    const envelope = (await request(net.hub.node.url).get(`/api/hub/v1/reports/${month}`))
      .body as PublishedReport;
    const signed = JSON.parse(Buffer.from(envelope.payload, "base64url").toString("utf8")) as MonthReport;

    // After publication: a notice sent to 江苏 in the month and answered only now, and a province
    // registered now. Both change the live figures of the month.
    const sentAt = new Date(Date.parse(signed.to) - 5 * 24 * HOUR);
    await net.hub.node.ctx.conn.collection("exchange_cases").insertOne({
      caseId: `late-${Math.random()}`,
      kind: "notice",
      fromProvince: "110000",
      toProvince: "320000",
      senderDivision: "110000",
      responsibleDivision: "320000",
      idNumber: aNewIdNumber(),
      lookupId: null,
      body: {},
      bodyHash: "0".repeat(64),
      state: "acknowledged",
      sentAt,
      deliveredAt: sentAt,
      deadlineAt: new Date(sentAt.getTime() + 240 * HOUR),
      answeredAt: new Date(),
      ack: null,
      endedAt: null,
      end: null,
      overdue: true,
      escalatedAt: null,
    });
    await aRegisteredProvince(net.hub, "440000", provinceDb.conn);
    const live = await operator.agent.get(`/api/hub/report/months/${month}?province=320000`);
    expect(live.status).to.equal(200);
    const liveNotice = (live.body as CurrentMonthReport).provinces[0]!.exchange.find(
      (x) => x.kind === "notice",
    );
    expect(liveNotice, "the late answer is in the live figures").to.include({ received: 1, answered: 1 });

    const json = await operator.agent.get(`/api/hub/report/months/${month}`);
    expect(json.status).to.equal(200);
    expect(json.body).to.deep.equal(signed);
    expect((json.body as MonthReport).provinces.map((p) => p.provinceCode)).to.not.include("440000");

    const csv = await operator.agent
      .get(`/api/hub/report/months/${month}/report.csv`)
      .buffer(true)
      .parse((r, cb) => {
        // The CSV as text (supertest leaves text/csv unparsed).
        let text = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => (text += c));
        r.on("end", () => cb(null, text));
      });
    expect(csv.status).to.equal(200);
    expect(csv.body).to.equal(monthReportCsv(signed));
  });
});
