import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createProvinceExchangeService } from "../../../server/exchange/index.js";
import { aCertifiedPractitioner, agreeAndIssue, anOfficer, useExchangeNetwork, type TestProvince } from "./support.js";

/**
 * One open transfer (转籍) per person is the province's own rule too, not only the hub's
 * (transfer_open): a second transfer of one person must not be queued while the hub cannot be
 * reached, nor two at once by two officers or two instances of the node.
 */
describe("cross-province exchange: one person's transfer asked for twice", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const chaoyang = anOfficer("110105", "朝阳区业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");

  /** A second instance of 北京's node: same database and hub link, its own audit queue. */
  const secondInstance = (p: TestProvince) =>
    createProvinceExchangeService(p.conn, { provinceCode: p.provinceCode, audit: createAuditService(p.conn), transport: p.transport });

  const outcome = (work: Promise<{ state: string }>) =>
    work.then(
      (c) => ({ state: c.state as string | null, code: null as string | null, message: null as string | null }),
      (e: { code?: string; message?: string }) => ({ state: null, code: e.code ?? `unexpected: ${e.message}`, message: e.message ?? null }),
    );

  /** 北京's lookup of the holder, made while the hub answers (a transfer cites it). */
  const lookupOf = async (p: { idNumber: string }, officer = bjOfficer) => (await net.beijing.lookup(officer, p.idNumber)).lookupId;

  /** 北京 asks for the transfer citing `lookupId` (through `service`, 北京's own by default). */
  const askTransfer = (
    p: { idNumber: string; name: string },
    lookupId: string,
    officer = bjOfficer,
    service: Pick<TestProvince["exchange"], "transfer"> = net.beijing.exchange,
  ) => service.transfer(officer, { lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });

  const counts = async (idNumber: string) => ({
    cases: await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber }),
    queued: await net.beijing.conn.collection("exchange_outgoing").countDocuments({ "body.practitioner.idNumber": idNumber }),
  });

  it("when a transfer is queued while the hub is unreachable, then a second transfer of the person is refused by the province as transfer_open and nothing more is queued", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈离线" });
    const [first, again] = [await lookupOf(p), await lookupOf(p, chaoyang)];
    net.beijing.link.down = true;
    try {
      expect((await askTransfer(p, first)).state).to.equal("queued");
      const second = await outcome(askTransfer(p, again, chaoyang));
      expect(second).to.deep.equal({ state: null, code: "transfer_open", message: "该从业人员已有办理中的转籍" });
      expect(await counts(p.idNumber)).to.deep.equal({ cases: 1, queued: 1 });
    } finally {
      net.beijing.link.down = false;
    }
    await net.beijing.send();
    expect(await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber })).to.equal(1);
  });

  it("when two instances ask for the transfer of one person at once while the hub is unreachable, then the province refuses one as transfer_open and queues only the other", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈并发" });
    const [a, b] = [await lookupOf(p), await lookupOf(p, chaoyang)];
    net.beijing.link.down = true;
    try {
      const results = await Promise.all([outcome(askTransfer(p, a)), outcome(askTransfer(p, b, chaoyang, secondInstance(net.beijing)))]);
      expect(results.map((r) => r.code ?? r.state).sort()).to.deep.equal(["queued", "transfer_open"]);
      expect(await counts(p.idNumber)).to.deep.equal({ cases: 1, queued: 1 });
    } finally {
      net.beijing.link.down = false;
    }
  });

  it("when two instances ask for the transfer of one person at once with the hub up, then the second is refused by the province before anything reaches the hub", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈在线" });
    const hubRefusals = () => net.beijing.conn.collection("audit_log").countDocuments({ action: "exchange.transfer.refused" });
    const [a, b] = [await lookupOf(p), await lookupOf(p, chaoyang)];
    const before = await hubRefusals();
    const results = await Promise.all([outcome(askTransfer(p, a)), outcome(askTransfer(p, b, chaoyang, secondInstance(net.beijing)))]);
    expect(results.map((r) => r.code ?? r.state).sort()).to.deep.equal(["sent", "transfer_open"]);
    expect(await hubRefusals()).to.equal(before);
    expect(await counts(p.idNumber)).to.deep.equal({ cases: 1, queued: 1 });
  });

  it("when the transfer was issued on, then the person may be transferred again (the province no longer holds the transfer open)", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈再迁" });
    const transfer = await askTransfer(p, await lookupOf(p));
    await agreeAndIssue(net, { jiangsu: jsOfficer, beijing: bjOfficer }, transfer.caseId, {
      idNumber: p.idNumber,
      serial: "BJ-2026-000456",
    });
    // The hub is not asked: whether it takes the next transfer is its own rule, tested there.
    const next = await lookupOf(p);
    net.beijing.link.down = true;
    try {
      expect((await askTransfer(p, next)).state).to.equal("queued");
    } finally {
      net.beijing.link.down = false;
    }
  });
});
