import { expect } from "chai";
import type { SourceEndedBody } from "../../../server/contracts/exchange.js";
import { aNewIdNumber } from "../hub/support.js";
import type { TestProvince } from "./support.js";
import { aCertifiedPractitioner, agreeAndIssue, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * The former home's word on a transfer issued on (POST /exchange/cases/{caseId}/source-ended): its
 * certificate had been revoked or withdrawn before the issuance notice reached it. The hub takes it
 * only from the home, only after the issuance, once, and passes it on to the receiving province.
 */
describe("cross-province exchange: the former home says its certificate had ended before the transfer's issuance", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");

  /** A transfer of a 江苏 practitioner asked by 北京; with `issue`, agreed and issued on (notice at the hub). */
  async function aTransfer(issue: boolean): Promise<{ caseId: string; idNumber: string }> {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "赵吊销" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const { caseId } = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    if (issue) {
      await agreeAndIssue(net, { jiangsu: jsOfficer, beijing: bjOfficer }, caseId, {
        idNumber: p.idNumber,
        serial: "BJ-2026-000777",
      });
      await net.beijing.send();
    }
    return { caseId, idNumber: p.idNumber };
  }

  const endedOf = (idNumber: string, overrides: Partial<SourceEndedBody> = {}): SourceEndedBody => ({
    certificateNo: idNumber,
    version: 1,
    status: "revoked",
    statusChangedAt: new Date(Date.now() - 60_000).toISOString(),
    reason: "以欺骗手段取得从业资格",
    ...overrides,
  });
  const tell = (from: TestProvince, caseId: string, body: unknown) =>
    from.client.call<{ state?: string; error?: { code: string } }>(
      "POST",
      `/api/hub/v1/exchange/cases/${caseId}/source-ended`,
      body,
    );
  const heldFor北京 = (caseId: string) =>
    net.hub.node.ctx.conn
      .collection("exchange_inbox")
      .countDocuments({ to: "110000", caseId, "message.sourceEnded": { $ne: null } });

  it("when 江苏 says its certificate had been revoked before 北京 issued on the transfer, then 北京 receives it once on its case, for its officers; an identical re-send is answered again and a different one refused source_ended_reported", async () => {
    const { caseId, idNumber } = await aTransfer(true);
    const body = endedOf(idNumber);
    const first = await tell(net.jiangsu, caseId, body);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.state).to.equal("acknowledged");
    const again = await tell(net.jiangsu, caseId, body);
    expect(again.status).to.equal(200);
    const other = await tell(net.jiangsu, caseId, { ...body, status: "withdrawn" });
    expect(other.status).to.equal(409);
    expect(other.body.error?.code).to.equal("source_ended_reported");
    expect(await heldFor北京(caseId)).to.equal(1);

    await net.beijing.pull();
    const local = await net.beijing.conn.collection("exchange_local_cases").findOne({ caseId });
    expect(local?.sourceEnded).to.include({ status: "revoked", reason: "以欺骗手段取得从业资格" });
    expect(local?.history.at(-1)).to.include({ by: "原籍省份（江苏省）" });
    expect(local?.history.at(-1)?.note).to.contain("原籍证书已被吊销").and.contain("请核查后决定");
    // Pulled again (another page, another instance): the history says it once.
    await net.beijing.pull();
    const after = await net.beijing.conn.collection("exchange_local_cases").findOne({ caseId });
    expect(
      after?.history.filter((h: { note: string | null }) => h.note?.includes("原籍证书已被")),
    ).to.have.length(1);
  });

  it("when 北京 (not the home) says it, or 江苏 says it before anything was issued on the transfer, or names another certificate, then the hub refuses it (not_case_recipient / transfer_not_issued / identity_mismatch) and holds nothing for 北京", async () => {
    const issued = await aTransfer(true);
    const byReceiver = await tell(net.beijing, issued.caseId, endedOf(issued.idNumber));
    expect(byReceiver.status).to.equal(403);
    expect(byReceiver.body.error?.code).to.equal("not_case_recipient");
    const otherCertificate = await tell(net.jiangsu, issued.caseId, endedOf(aNewIdNumber("110101")));
    expect(otherCertificate.status).to.equal(422);
    expect(otherCertificate.body.error?.code).to.equal("identity_mismatch");
    expect(await heldFor北京(issued.caseId)).to.equal(0);

    const open = await aTransfer(false);
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, open.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    const early = await tell(net.jiangsu, open.caseId, endedOf(open.idNumber));
    expect(early.status).to.equal(409);
    expect(early.body.error?.code).to.equal("transfer_not_issued");
    expect(await heldFor北京(open.caseId)).to.equal(0);
    const atHub = await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId: open.caseId });
    expect(atHub?.sourceEnded ?? null).to.equal(null);
  });
});
