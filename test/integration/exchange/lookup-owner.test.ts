import { expect } from "chai";
import { AUDIT_ACTION_LABELS } from "../../../server/contracts/audit.js";
import { refusalOf } from "./fixtures-exchange.js";
import { aCertifiedPractitioner, aFiling, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * A case is founded on its officer's own lookup (Prüm, EUCARIS: every query is logged with the
 * officer who made it and why). The hub knows the province that asked, not its accounts; the node
 * knows which account made each lookup from its audit log (hub.lookup_answered). A colleague's
 * lookup cited showed the home province lookup officer A and case officer B.
 */
describe("cross-province exchange: a case cites its own officer's lookup", () => {
  const net = useExchangeNetwork();
  const wang = anOfficer("110105", "朝阳区业务员王");
  const li = anOfficer("110105", "朝阳区业务员李");

  const counts = async () => ({
    bjCases: await net.beijing.conn.collection("exchange_local_cases").countDocuments(),
    bjOutgoing: await net.beijing.conn.collection("exchange_outgoing").countDocuments(),
    hubCases: await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments(),
  });

  it("when an officer files citing a colleague's filing lookup, then 北京's node refuses it 422 lookup_not_own and nothing is queued; the colleague's own filing with it is taken", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookupThroughNode(wang, p.idNumber, "filing");
    const before = await counts();
    const err = await refusalOf(
      net.beijing.exchange.file(li, { lookupId: found.lookupId, practitioner: p, details: aFiling() }),
    );
    expect(err).to.include({ code: "lookup_not_own", status: 422 });
    expect(err.message).to.match(/本人/);
    expect(await counts()).to.deep.equal(before);
    // Audited as the filing's refusal, naming whose lookup it was.
    const audited = await net.beijing.conn
      .collection("audit_log")
      .findOne({ "details.code": "lookup_not_own" });
    // This node refused it, not the hub: the audit page must not read 被拒收.
    expect(audited?.action).to.equal("exchange.filing.refused_by_node");
    expect(AUDIT_ACTION_LABELS["exchange.filing.refused_by_node"]).to.contain("本节点");
    expect(audited?.actor).to.include({ id: li.id });
    expect(audited?.details).to.deep.include({ lookupId: found.lookupId, lookupBy: wang.id });
    const filed = await net.beijing.exchange.file(wang, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    expect(filed.state).to.equal("sent");
  });

  it("when an officer sends a notice citing a colleague's enforcement lookup, then it is refused lookup_not_own too", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookupThroughNode(wang, p.idNumber, "enforcement");
    const err = await refusalOf(
      net.beijing.exchange.notify(li, { lookupId: found.lookupId, practitioner: p, details: aNotice() }),
    );
    expect(err).to.include({ code: "lookup_not_own", status: 422 });
    const audited = await net.beijing.conn
      .collection("audit_log")
      .findOne({ "details.code": "lookup_not_own", "details.lookupId": found.lookupId });
    expect(audited?.action).to.equal("exchange.notice.refused_by_node");
  });

  it("when another implementation's node cites its lookup in upper case at the hub, then the hub takes the case and keeps the id in lower case", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(wang, p.idNumber, "filing");
    const caseId = `other-impl-${Math.random().toString(36).slice(2, 10)}`;
    const answer = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
      caseId,
      kind: "filing",
      lookupId: found.lookupId.toUpperCase(),
      practitioner: p,
      officer: { id: wang.id, name: wang.displayName, divisionCode: "110105" },
      details: aFiling(),
    });
    expect([answer.status, answer.error?.code ?? null]).to.deep.equal([200, null]);
    const held = await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
    expect(held?.lookupId).to.equal(found.lookupId);
  });
});
