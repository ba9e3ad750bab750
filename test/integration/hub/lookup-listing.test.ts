import { expect } from "chai";
import { staffAgent } from "../../helpers/auth.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "../exchange/support.js";

type Row = { lookupId: string; seq: number; requestingProvince: string };
type CaseRow = { caseId: string; sentAt: string };

describe("hub: the operator's lists of lookups and cases, by province and page", () => {
  const net = useExchangeNetwork();

  it("when the operator lists lookups for a province, then only lookups that province made or that found its practitioners are listed, and beforeSeq pages back", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const byBeijing = await net.beijing.lookup(anOfficer("110105"), p.idNumber, "enforcement");
    const byJiangsu = await net.jiangsu.lookup(anOfficer("320100"), p.idNumber, "enforcement");
    // 北京 looking up an ID number the hub does not know: nothing of 江苏 in it.
    const unknown = await net.beijing.lookup(anOfficer("110105"), "110101199001011237", "enforcement");
    const operator = await staffAgent(net.hub.node, { roles: ["hub_operator"], divisionCode: "000000" });

    const ofBeijing = await operator.agent.get("/api/hub/lookups?province=110000&limit=200");
    expect(ofBeijing.status).to.equal(200);
    const beijingIds = (ofBeijing.body as Row[]).map((r) => r.lookupId);
    expect(beijingIds).to.include.members([byBeijing.lookupId, unknown.lookupId]);
    expect(beijingIds).to.not.include(byJiangsu.lookupId);

    const ofJiangsu = (await operator.agent.get("/api/hub/lookups?province=320000&limit=200")).body as Row[];
    const jiangsuIds = ofJiangsu.map((r) => r.lookupId);
    // Made by 江苏, and 北京's lookup that found a 江苏 practitioner (its home province).
    expect(jiangsuIds).to.include.members([byJiangsu.lookupId, byBeijing.lookupId]);
    expect(jiangsuIds).to.not.include(unknown.lookupId);

    const first = (await operator.agent.get("/api/hub/lookups?limit=1")).body as Row[];
    expect(first).to.have.length(1);
    const next = (await operator.agent.get(`/api/hub/lookups?limit=200&beforeSeq=${first[0]!.seq}`))
      .body as Row[];
    expect(next.length).to.be.greaterThan(0);
    expect(next.every((r) => r.seq < first[0]!.seq)).to.equal(true);
    expect(next.map((r) => r.lookupId)).to.not.include(first[0]!.lookupId);
  });

  it("when the operator pages the network's cases with `before`, then the next page holds the older cases only", async () => {
    const bjCounty = anOfficer("110105");
    for (let i = 0; i < 3; i++) {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCounty, p.idNumber);
      await net.beijing.exchange.file(bjCounty, {
        lookupId: found.lookupId,
        practitioner: p,
        details: aFiling(),
      });
    }
    const operator = await staffAgent(net.hub.node, { roles: ["hub_operator"], divisionCode: "000000" });
    const first = await operator.agent.get("/api/hub/exchange/cases?limit=2");
    expect(first.status).to.equal(200);
    const firstPage = first.body as CaseRow[];
    expect(firstPage).to.have.length(2);
    // The cursor is the last row's `sentAt~caseId`, as the province's lists page.
    const last = firstPage[1]!;
    const second = await operator.agent.get(
      `/api/hub/exchange/cases?limit=200&before=${encodeURIComponent(`${last.sentAt}~${last.caseId}`)}`,
    );
    expect(second.status).to.equal(200);
    const secondPage = second.body as CaseRow[];
    const seen = new Set(firstPage.map((c) => c.caseId));
    expect(secondPage.length).to.be.greaterThan(0);
    expect(secondPage.some((c) => seen.has(c.caseId))).to.equal(false);
    expect(secondPage.every((c) => c.sentAt <= last.sentAt)).to.equal(true);
    const bad = await operator.agent.get("/api/hub/exchange/cases?before=yesterday");
    expect(bad.status).to.equal(400);
  });
});
