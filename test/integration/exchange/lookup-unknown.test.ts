import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { LookupAnswer, LookupReason } from "../../../server/contracts/hub.js";
import { refusalOf } from "./fixtures-exchange.js";
import {
  aCertifiedPractitioner,
  aFiling,
  aNotice,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * A case cites a lookup the node has on record (hub.lookup_answered names its account). The hub
 * takes a cited lookup for 30 days; the node knows its lookups' accounts only since it records
 * their outcomes. A lookup it has no record of (made before that upgrade, or straight at the hub
 * past the node) cannot be shown to be the officer's own, so it is refused and the officer looks
 * again, rather than passed to the hub, which does not know the province's accounts.
 */
describe("cross-province exchange: a case citing a lookup this node has no record of", () => {
  const net = useExchangeNetwork();
  const wang = anOfficer("110105", "朝阳区业务员王");

  /** A lookup the hub logged and this node did not (as before outcomes were recorded). */
  async function anUnrecordedLookup(
    p: TestProvince,
    officer: AuthUser,
    idNumber: string,
    reason: LookupReason,
  ) {
    const answer = await p.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
      query: { by: "id_number", idNumber },
      officerId: officer.id,
      reason,
      caseReference: "测试-未记录",
    });
    if (answer.status !== 200) throw new Error(`lookup failed: ${answer.rawBody}`);
    return answer.body;
  }
  const counts = async () => ({
    bjCases: await net.beijing.conn.collection("exchange_local_cases").countDocuments(),
    bjOutgoing: await net.beijing.conn.collection("exchange_outgoing").countDocuments(),
    hubCases: await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments(),
  });

  it("when an officer files citing a lookup the node has no record of, then the node refuses it 422 lookup_unknown, audited, and nothing is queued; a new lookup through the node is taken", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const unrecorded = await anUnrecordedLookup(net.beijing, wang, p.idNumber, "filing");
    const before = await counts();
    const err = await refusalOf(
      net.beijing.exchange.file(wang, { lookupId: unrecorded.lookupId, practitioner: p, details: aFiling() }),
    );
    expect(err).to.include({ code: "lookup_unknown", status: 422 });
    expect(err.message).to.match(/查询记录不存在，请重新查询/);
    expect(await counts()).to.deep.equal(before);
    const audited = await net.beijing.conn
      .collection("audit_log")
      .findOne({ "details.code": "lookup_unknown", "details.lookupId": unrecorded.lookupId });
    expect(audited?.action).to.equal("exchange.filing.refused_by_node");
    expect(audited?.actor).to.include({ id: wang.id });
    const again = await net.beijing.lookupThroughNode(wang, p.idNumber, "filing");
    const filed = await net.beijing.exchange.file(wang, {
      lookupId: again.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    expect(filed.state).to.equal("sent");
  });

  it("when an officer sends a notice citing a lookup the node has no record of, then it is refused lookup_unknown too; a notice citing none is still the hub's to judge", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const unrecorded = await anUnrecordedLookup(net.beijing, wang, p.idNumber, "enforcement");
    const err = await refusalOf(
      net.beijing.exchange.notify(wang, {
        lookupId: unrecorded.lookupId,
        practitioner: p,
        details: aNotice(),
      }),
    );
    expect(err).to.include({ code: "lookup_unknown", status: 422 });
    const sent = await net.beijing.exchange.notify(wang, { practitioner: p, details: aNotice() });
    expect(sent.state).to.equal("sent");
  });
});
