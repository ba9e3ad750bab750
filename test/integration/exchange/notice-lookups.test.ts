import { expect } from "chai";
import { aCertifiedPractitioner, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * An enforcement notice (抄告) may go without a lookup: the penalising officer has the person's
 * card and the decision in hand, and a notice the hub takes reaches the home province, which sees
 * who sent it. A notice the hub refuses reaches nobody, so its refusal must tell no more than a
 * lookup would have without one on record: answered 404 practitioner_unknown, 422 own_practitioner
 * or 422 identity_mismatch, a sender with exchange:send alone asked the national index, unlogged,
 * whether an ID number is known, whose it is and under which name.
 */
describe("cross-province exchange: notices that cite no lookup", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");

  const counts = async () => ({
    hubCases: await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments(),
    hubInbox: await net.hub.node.ctx.conn.collection("exchange_inbox").countDocuments(),
    bjCases: await net.beijing.conn.collection("exchange_local_cases").countDocuments(),
    bjOutgoing: await net.beijing.conn.collection("exchange_outgoing").countDocuments(),
  });
  const refusalOf = async (work: Promise<unknown>) => {
    const err = await work.then(
      () => null,
      (e: unknown) => e as { code: string; status: number; message: string },
    );
    if (!err) throw new Error("expected a refusal");
    return { code: err.code, status: err.status, message: err.message };
  };
  /** A notice signed by 北京's node straight to the hub, as any implementation may send one. */
  const direct = (practitioner: { idNumber: string; name: string }, lookupId?: string) =>
    net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
      caseId: `probe-${Math.random().toString(36).slice(2, 10)}`,
      kind: "notice",
      ...(lookupId ? { lookupId } : {}),
      practitioner,
      officer: { id: "x", name: "某", divisionCode: "110105" },
      details: aNotice(),
    });

  it("when 北京 sends notices citing no lookup about an unknown ID number, its own practitioner and a 江苏 practitioner under another name, then all three are refused alike (422 lookup_required), telling nothing of the person, and nothing is written", async () => {
    const jiangsus = await aCertifiedPractitioner(net.jiangsu);
    const beijings = await aCertifiedPractitioner(net.beijing);
    const before = await counts();
    const probes = [
      { idNumber: "320102198001011232", name: "查无此人" },
      beijings,
      { ...jiangsus, name: "王猜测" },
    ];
    const refusals = [];
    for (const practitioner of probes)
      refusals.push(await refusalOf(net.beijing.exchange.notify(bjCounty, { practitioner, details: aNotice() })));
    expect(refusals[0]).to.include({ code: "lookup_required", status: 422 });
    expect(refusals).to.deep.equal([refusals[0], refusals[0], refusals[0]]);
    // Straight to the hub, the same: the hub decides, not 北京's node.
    for (const practitioner of probes) {
      const answer = await direct(practitioner);
      expect([answer.status, answer.error?.code, answer.error?.message]).to.deep.equal([
        422,
        "lookup_required",
        refusals[0]?.message,
      ]);
    }
    expect(await counts()).to.deep.equal(before);
  });

  it("when 北京 sends a notice citing no lookup under the name the hub holds, then it is taken and 江苏 receives it", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    expect(notice.state).to.equal("sent");
    await net.jiangsu.pull();
    expect((await net.jiangsu.exchange.get(anOfficer("320000"), notice.caseId)).kind).to.equal("notice");
  });

  it("when 北京 cites its enforcement lookup of the person, then the refusal says exactly what is wrong (the lookup on record already showed the hub's record)", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber, "enforcement");
    const wrongName = await direct({ ...p, name: "王猜测" }, found.lookupId);
    expect([wrongName.status, wrongName.error?.code]).to.deep.equal([422, "identity_mismatch"]);
    const own = await aCertifiedPractitioner(net.beijing);
    const ownLookup = await net.beijing.lookup(bjCounty, own.idNumber, "enforcement");
    const mine = await direct(own, ownLookup.lookupId);
    expect([mine.status, mine.error?.code]).to.deep.equal([422, "own_practitioner"]);
  });
});
