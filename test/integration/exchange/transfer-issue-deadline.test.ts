import { expect } from "chai";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { createHubExchangeService } from "../../../server/exchange/index.js";
import { DEFAULT_TRANSFER_ISSUE_HOURS } from "../../../server/config-exchange.js";
import { aCertifiedPractitioner, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * A transfer the home agreed to (acknowledged) and the receiving province never issued on nor
 * withdrew stayed open for good with no reminder, while the hub's pointer already named the
 * receiving province as home and the former home's certificate stayed valid. Agreed, it has an
 * issuance deadline (EXCHANGE_TRANSFER_ISSUE_HOURS), escalated to both provinces' province level
 * when it passes, as an unanswered case is.
 */
describe("cross-province exchange: an agreed transfer has an issuance deadline", () => {
  const net = useExchangeNetwork();
  const bjProvince = anOfficer("110000", "北京市厅业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");
  const HOUR = 3_600_000;

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  /** The hub's sweep with its clock `hours` from now (a fake clock). */
  const sweepAt = (hours: number) =>
    createHubExchangeService(net.hub.node.ctx.conn, {
      hub: createHubExchangePort(net.hub.node.ctx.conn),
      ackHours: { filing: 72, transfer: 120, notice: 240 },
    }).sweepOverdue(new Date(Date.now() + hours * HOUR));

  /** 北京's transfer of a 江苏 holder, which 江苏 agreed to; both sides have pulled the answer. */
  async function anAgreedTransfer(): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjProvince, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjProvince, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, transfer.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    return transfer.caseId;
  }

  it("when an agreed transfer is not issued within its issuance deadline, then the hub escalates it once to both provinces, and both province levels list it", async () => {
    const caseId = await anAgreedTransfer();
    const agreed = await hubCase(caseId);
    expect(agreed).to.include({ state: "acknowledged", overdue: false });
    const answeredAt = (agreed?.answeredAt as Date).getTime();
    expect((agreed?.deadlineAt as Date).getTime()).to.equal(answeredAt + DEFAULT_TRANSFER_ISSUE_HOURS * HOUR);

    // Before the deadline nothing happens.
    await sweepAt(DEFAULT_TRANSFER_ISSUE_HOURS - 1);
    expect(await hubCase(caseId)).to.include({ overdue: false });

    expect(await sweepAt(DEFAULT_TRANSFER_ISSUE_HOURS + 1)).to.be.greaterThan(0);
    await sweepAt(DEFAULT_TRANSFER_ISSUE_HOURS + 2);
    expect(await hubCase(caseId)).to.include({ overdue: true, state: "acknowledged" });
    expect(
      await net.hub.node.ctx.conn
        .collection("exchange_inbox")
        .countDocuments({ caseId, "message.overdue": true }),
    ).to.equal(2);

    await net.jiangsu.pull();
    await net.beijing.pull();
    const atBeijing = await net.beijing.exchange.get(bjProvince, caseId);
    expect(atBeijing).to.include({ overdue: true, state: "acknowledged" });
    expect(atBeijing.history.at(-1)?.note).to.include("逾期未换发");
    expect((await net.jiangsu.exchange.get(jsProvince, caseId)).overdue).to.equal(true);
    expect((await net.beijing.exchange.escalations(bjProvince)).cases.map((c) => c.caseId)).to.include(
      caseId,
    );
    expect((await net.jiangsu.exchange.escalations(jsProvince)).cases.map((c) => c.caseId)).to.include(
      caseId,
    );
  });

  it("when a transfer was answered after its answer deadline (escalated then), then once agreed it is no longer overdue until its issuance deadline passes", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjProvince, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjProvince, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await net.jiangsu.pull();
    await net.hub.node.ctx.conn
      .collection("exchange_cases")
      .updateOne({ caseId: transfer.caseId }, { $set: { deadlineAt: new Date(Date.now() - HOUR) } });
    await sweepAt(0);
    await net.jiangsu.pull();
    expect((await net.jiangsu.exchange.get(jsProvince, transfer.caseId)).overdue).to.equal(true);
    await net.jiangsu.exchange.answer(jsProvince, transfer.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    expect(await hubCase(transfer.caseId)).to.include({ overdue: false });
    expect(await net.beijing.exchange.get(bjProvince, transfer.caseId)).to.include({
      overdue: false,
      state: "acknowledged",
    });
    expect((await net.beijing.exchange.escalations(bjProvince)).cases.map((c) => c.caseId)).to.not.include(
      transfer.caseId,
    );
  });
});
