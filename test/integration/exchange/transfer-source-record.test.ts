import { expect } from "chai";
import type { CollectionReceipt, QualificationRecord } from "../../../server/contracts/hub.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import { createMessageLog, createNodeClient, loadOrCreateNodeKey } from "../../../server/sharing/index.js";
import {
  aLegacyRegisterHolder,
  anAgreedTransfer,
  certificateAt,
  type TwoProvinces,
  useTwoProvinces,
} from "./transfers.js";

/**
 * Issuance on a transfer of a legacy holder (the home node keeps no signed certificate) rests on
 * the hub's record of the home's certificate, sent with the agreement. The home may revoke or
 * correct that record afterwards (a collection message updates the hub's record): the copy that
 * came with the agreement cannot tell, so 北京 asks the hub for its current record when it issues,
 * and issues only while it is still the one agreed.
 */
describe("cross-province exchange: issuance on a legacy holder's transfer reads the hub's current record", function () {
  this.timeout(120_000);
  let net: TwoProvinces;
  useTwoProvinces((started) => (net = started));

  const holder = { addressDivisionCode: "110105", licenceClass: "A2", licenceFirstIssuedOn: "2012-05-01" };
  const issue = (caseId: string) =>
    net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({ holder });

  /** A legacy holder of 江苏's whose transfer to 北京 江苏 agreed to; with the record the hub sent along. */
  async function anAgreedLegacyTransfer(): Promise<{
    caseId: string;
    idNumber: string;
    agreed: QualificationRecord;
  }> {
    const { idNumber, name } = await aLegacyRegisterHolder(net.js);
    const caseId = await anAgreedTransfer(net.js, net.bj, { idNumber, name }, net.hub);
    const local = await net.beijing.ctx.conn.collection("exchange_local_cases").findOne({ caseId });
    return { caseId, idNumber, agreed: local?.sourceRecord as QualificationRecord };
  }

  /** 江苏 publishes the next version of its register entry to the hub, signed by its node. */
  async function jiangsuPublishes(record: QualificationRecord): Promise<void> {
    const client = createNodeClient({
      key: loadOrCreateNodeKey(net.jiangsu.nodeKeyDir),
      peer: net.hub.peer,
      log: createMessageLog(net.jiangsu.ctx.conn),
    });
    const answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `src-${record.recordId}-${record.version}`,
      records: [record],
    });
    expect(answer.body.results?.[0]?.outcome, answer.rawBody).to.equal("accepted");
  }
  const nextVersion = (
    r: QualificationRecord,
    changes: Partial<QualificationRecord>,
  ): QualificationRecord => ({
    ...r,
    ...changes,
    operation: "update",
    version: r.version + 1,
    updateTime: new Date(Date.now() + 8 * 3600_000).toISOString().replace(/[-:T]/g, "").slice(0, 14),
  });

  async function nothingWritten(caseId: string, idNumber: string): Promise<void> {
    expect(await certificateAt(net.beijing, idNumber)).to.equal(null);
    expect(
      ((await net.bj.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto).issued,
    ).to.equal(null);
    expect(
      await net.beijing.ctx.conn
        .collection("exchange_outgoing")
        .countDocuments({ caseId, purpose: "issued" }),
    ).to.equal(0);
  }

  it("when 江苏 revokes the register entry at the hub after agreeing, then 北京's issuance is refused source_record_changed and nothing is written", async () => {
    const { caseId, idNumber, agreed } = await anAgreedLegacyTransfer();
    await jiangsuPublishes(
      nextVersion(agreed, { state: "invalid", certificate: { ...agreed.certificate!, status: "revoked" } }),
    );
    const res = await issue(caseId);
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body.error.code).to.equal("source_record_changed");
    expect(res.body.error.message).to.contain("吊销");
    await nothingWritten(caseId, idNumber);
  });

  it("when 江苏 corrects the register entry at the hub after agreeing, then 北京 does not issue from the record agreed", async () => {
    const { caseId, idNumber, agreed } = await anAgreedLegacyTransfer();
    await jiangsuPublishes(
      nextVersion(agreed, { certificate: { ...agreed.certificate!, validTo: "2029-02-28" } }),
    );
    const res = await issue(caseId);
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body.error.code).to.equal("source_record_changed");
    await nothingWritten(caseId, idNumber);
  });

  it("when the hub cannot be asked for its current record, then 北京 does not issue: source_status_unknown, nothing written", async () => {
    const { caseId, idNumber } = await anAgreedLegacyTransfer();
    await net.hub.registry.setStatus("110000", "suspended");
    try {
      const res = await issue(caseId);
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal("source_status_unknown");
    } finally {
      await net.hub.registry.setStatus("110000", "active");
    }
    await nothingWritten(caseId, idNumber);
  });

  it("when the hub's record is still the one agreed, then 北京 issues from it", async () => {
    const { caseId, idNumber } = await anAgreedLegacyTransfer();
    const res = await issue(caseId);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect((await certificateAt(net.beijing, idNumber))?.status).to.equal("valid");
  });
});
