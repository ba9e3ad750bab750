import { expect } from "chai";
import { aCertifiedPractitioner, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * One penalty is reported home once: a notice (抄告) sent again with the same decision number
 * (处罚决定书文号), e.g. after the officer's first answer was lost on the way (a proxy's 502), was a
 * second case, and the home province's credit assessment counted its points twice. Both the node
 * and the hub refuse a second open notice of the same sender, person and decision number.
 */
describe("cross-province exchange: one open notice per penalty decision", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省业务员");

  const refusalOf = async (work: Promise<unknown>) => {
    const err = await work.then(
      () => null,
      (e: unknown) => e as { code: string; status: number; message: string },
    );
    if (!err) throw new Error("expected a refusal");
    return err;
  };
  /** A notice signed by 北京's node straight to the hub, as any implementation may send one. */
  const direct = (practitioner: { idNumber: string; name: string }, caseNumber: string, lookupId: string) =>
    net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
      caseId: `direct-${Math.random().toString(36).slice(2, 10)}`,
      kind: "notice",
      lookupId,
      practitioner,
      officer: { id: "x", name: "某", divisionCode: "110105" },
      details: { ...aNotice(), caseNumber },
    });

  it("when 北京 sends a notice again with the same decision number, then the node refuses it naming the open case, and 江苏 counts the penalty once", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const details = aNotice();
    const first = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details });
    const again = await refusalOf(net.beijing.exchange.notify(bjCounty, { practitioner: p, details }));
    expect(again).to.include({ code: "notice_duplicate", status: 409 });
    expect(again.message).to.include(first.caseId);
    // Another penalty of the same person is another notice.
    await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), caseNumber: "京交执罚〔2026〕200号", points: 2 },
    });
    expect(
      await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(2);
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(2);
    await net.jiangsu.pull();
    const page = await net.jiangsu.exchange.ofPractitioner(jsProvince, p.idNumber);
    expect(page.credit).to.deep.include({ notices: 2, points: 5 });
  });

  it("when a node sends the hub a second notice of the same decision number under a new case id, then the hub refuses it 409 notice_duplicate naming the open case, and takes another decision number", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber, "enforcement");
    const first = await direct(p, "京交执罚〔2026〕300号", found.lookupId);
    expect(first.status).to.equal(200);
    const second = await direct(p, "京交执罚〔2026〕300号", found.lookupId);
    expect([second.status, second.error?.code]).to.deep.equal([409, "notice_duplicate"]);
    expect(second.error?.message).to.include((first.body as { caseId: string }).caseId);
    const other = await direct(p, "京交执罚〔2026〕301号", found.lookupId);
    expect(other.status).to.equal(200);
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(2);
  });
});
