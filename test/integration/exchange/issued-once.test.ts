import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aCertifiedPractitioner, agreeAndIssue, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * The issuance notice of a transfer (转籍换发) at the former home province: its handler (which
 * supersedes the home province's certificate) runs once per case, however often or by however many
 * instances the inbox page that carries it is read.
 */
describe("cross-province exchange: the transfer's issuance notice is applied once at the former home", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const silent = createLogger({ level: "silent", name: "test" });

  /** A transfer 江苏 agreed to and 北京 issued on, with 北京's `issued` notice at the hub for 江苏. */
  async function anIssuedTransfer(): Promise<{ caseId: string; idNumber: string }> {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈换发" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await agreeAndIssue(net, { jiangsu: jsOfficer, beijing: bjOfficer }, transfer.caseId, {
      idNumber: p.idNumber,
      serial: "BJ-2026-000123",
    });
    await net.beijing.send();
    return { caseId: transfer.caseId, idNumber: p.idNumber };
  }

  it("when two instances of 江苏's node pull the page with the issuance notice at once and pull again, then the handler is called once, for that case", async () => {
    const { caseId, idNumber } = await anIssuedTransfer();
    const calls: { caseId: string; idNumber: string; toProvince: string }[] = [];
    // A second instance of 江苏's node: same database, same node key, its own transport.
    const instance = () =>
      createExchangeTransport({
        conn: net.jiangsu.conn,
        logger: silent,
        client: () => net.jiangsu.client,
        backoffMs: () => 0,
        onTransferIssued: (_session, n) => {
          calls.push({ caseId: n.caseId, idNumber: n.idNumber, toProvince: n.toProvince });
          return Promise.resolve();
        },
      });
    const [a, b] = [instance(), instance()];
    await Promise.all([a.pullOnce("320000"), b.pullOnce("320000")]);
    await a.pullOnce("320000");
    await b.pullOnce("320000");
    expect(calls).to.deep.equal([{ caseId, idNumber, toProvince: "110000" }]);
    const local = await net.jiangsu.conn.collection("exchange_local_cases").findOne({ caseId });
    expect(local?.issued).to.include({ serial: "BJ-2026-000123" });
  });

  it("when the handler fails, then the notice is not recorded as received and the next pull applies it", async () => {
    const { caseId } = await anIssuedTransfer();
    let failing = true;
    let applied = 0;
    const transport = createExchangeTransport({
      conn: net.jiangsu.conn,
      logger: silent,
      client: () => net.jiangsu.client,
      backoffMs: () => 0,
      onTransferIssued: () => {
        if (failing) return Promise.reject(new Error("certificate store unavailable"));
        applied++;
        return Promise.resolve();
      },
    });
    let error: unknown = null;
    await transport.pullOnce("320000").catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/certificate store unavailable/);
    expect(
      (await net.jiangsu.conn.collection("exchange_local_cases").findOne({ caseId }))?.issued ?? null,
    ).to.equal(null);
    failing = false;
    await transport.pullOnce("320000");
    await transport.pullOnce("320000");
    expect(applied).to.equal(1);
    expect(
      (await net.jiangsu.conn.collection("exchange_local_cases").findOne({ caseId }))?.issued,
    ).to.include({ serial: "BJ-2026-000123" });
  });
});
