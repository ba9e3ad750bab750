import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aCertifiedPractitioner, agreeAndIssue, anOfficer, useExchangeNetwork } from "./support.js";

type Entry = { at: Date; state: string; by: string; note: string | null };

/**
 * The note the issuance notice's handler returns (what became of the former home's certificate)
 * belongs to the history entry that notice added, wherever that entry stands once the
 * transaction's other writes are done: not to whichever entry happens to sit where it was read.
 */
describe("cross-province exchange: the issuance notice's note lands on the notice's own history entry", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const silent = createLogger({ level: "silent", name: "test" });
  const cases = () =>
    net.jiangsu.conn.collection<{ caseId: string; history: Entry[] }>("exchange_local_cases");

  /** A transfer 江苏 agreed to and 北京 issued on, with 北京's `issued` notice at the hub for 江苏. */
  async function anIssuedTransfer(name: string, serial: string): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu, { name });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await agreeAndIssue(net, { jiangsu: jsOfficer, beijing: bjOfficer }, transfer.caseId, {
      idNumber: p.idNumber,
      serial,
    });
    await net.beijing.send();
    return transfer.caseId;
  }

  it("when another history entry is written ahead of the notice's in the same transaction, then the note still lands on the notice's entry", async () => {
    const caseId = await anIssuedTransfer("周备注", "BJ-2026-000456");
    const before = (await cases().findOne({ caseId }))?.history ?? [];
    const note = "本省证书此前已撤销，未予注销（测试）";
    const transport = createExchangeTransport({
      conn: net.jiangsu.conn,
      logger: silent,
      client: () => net.jiangsu.client,
      backoffMs: () => 0,
      // Another write of the same transaction puts an entry ahead of the notice's, so the notice's
      // entry no longer stands where the read before the change would place it.
      onTransferIssued: async (session, n) => {
        await cases().updateOne(
          { caseId: n.caseId },
          {
            $push: {
              history: {
                $each: [{ at: new Date(0), state: "delivered", by: "测试", note: "插入的记录" }],
                $position: 0,
              },
            },
          },
          { session },
        );
        return { note };
      },
    });
    await transport.pullOnce("320000");

    const history = (await cases().findOne({ caseId }))?.history ?? [];
    expect(history).to.have.length(before.length + 2);
    expect(history[0]).to.include({ by: "测试", note: "插入的记录" });
    // Every entry read before the pull keeps its note.
    expect(history.slice(1, before.length + 1).map((h) => h.note)).to.deep.equal(before.map((h) => h.note));
    const notice = history.at(-1);
    expect(notice).to.include({ by: "北京市厅业务员（北京市）", note });
    expect(history.filter((h) => h.note === note)).to.have.length(1);
  });

  it("when the notice's entry is gone by the time its note is written, then the pull refuses and nothing of the notice is kept", async () => {
    const caseId = await anIssuedTransfer("吴无条", "BJ-2026-000789");
    const before = (await cases().findOne({ caseId }))?.history ?? [];
    const transport = createExchangeTransport({
      conn: net.jiangsu.conn,
      logger: silent,
      client: () => net.jiangsu.client,
      backoffMs: () => 0,
      // Another write of the same transaction takes the notice's entry away again: a note written
      // by position would land on another entry or on a new one holding nothing but the note.
      onTransferIssued: async (session, n) => {
        await cases().updateOne({ caseId: n.caseId }, { $pop: { history: 1 } }, { session });
        return { note: "本省证书此前已吊销，未予注销（测试）" };
      },
    });
    let error: unknown = null;
    await transport.pullOnce("320000").catch((err: unknown) => (error = err));
    expect(error).to.include({ code: "exchange_notice_entry_missing" });
    const after = await cases().findOne({ caseId });
    expect(after?.history).to.deep.equal(before);
    expect((after as { issued?: unknown } | null)?.issued ?? null).to.equal(null);
  });
});
