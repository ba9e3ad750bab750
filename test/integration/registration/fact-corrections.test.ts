import { expect } from "chai";
import { registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * 更正 of the facts the eligibility rules read: a driving licence upgraded or mistyped, an
 * education recorded wrongly. Every category applied for is checked again; a correction that
 * would leave one of them unmet is refused and changes nothing.
 */
describe("registration: correcting the licence and the education", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const stored = (idNumber: string) => env.node.ctx.conn.collection("candidates").findOne({ idNumber });
  const audits = (id: string) =>
    env.node.ctx.conn
      .collection("audit_log")
      .find({ action: "candidate.updated", "target.id": id })
      .toArray();
  const correct = (id: string, body: object) => officer.agent.patch(`/api/candidates/${id}`).send(body);

  it("when a freight driver's C1 licence is corrected to the B2 obtained since, then it is recorded and audited with both; a C3 is refused naming the category and changes nothing", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"], licenceClass: "C1" });
    const upgraded = await correct(c.id, { licenceClass: "B2", licenceFirstIssuedOn: "2012-05-01" });
    expect(upgraded.status, JSON.stringify(upgraded.body)).to.equal(200);
    expect(upgraded.body.candidate).to.include({ licenceClass: "B2", licenceFirstIssuedOn: "2012-05-01" });
    const [entry] = await audits(c.id);
    expect(entry?.details).to.include({ licenceClassBefore: "C1", licenceClass: "B2" });
    expect(entry?.details.changed).to.have.members(["licenceClass", "licenceFirstIssuedOn"]);

    const refused = await correct(c.id, { licenceClass: "C3", licenceFirstIssuedOn: "2012-05-01" });
    expect(refused.status).to.equal(422);
    expect(refused.body.error.code).to.equal("not_eligible");
    expect(refused.body.error.message).to.contain("经营性道路货物运输驾驶员").and.contain("准驾车型");
    const failed = (
      refused.body.error.details.eligibility as { eligible: boolean; failures: { rule: string }[] }[]
    )
      .filter((e) => !e.eligible)
      .map((e) => e.failures.map((f) => f.rule));
    expect(failed).to.deep.equal([["licence_class"]]);
    expect(await stored(c.idNumber)).to.include({ licenceClass: "B2", licenceFirstIssuedOn: "2012-05-01" });
    expect(await audits(c.id)).to.have.length(1);
  });

  it("when a passenger driver's licence day is corrected to one under a year ago, or before the 18th birthday, then it is refused naming the rule", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["01001"], licenceClass: "A1" });
    const recent = new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10);
    const tooRecent = await correct(c.id, { licenceClass: "A1", licenceFirstIssuedOn: recent });
    expect(tooRecent.status).to.equal(422);
    expect(tooRecent.body.error.message).to.contain("取得驾驶证须满 1 年");
    const child = await correct(c.id, {
      licenceClass: "A1",
      licenceFirstIssuedOn: `${Number(c.birthDate.slice(0, 4)) + 10}-01-01`,
    });
    expect(child.status).to.equal(422);
    expect(child.body.error.message).to.contain("早于年满 18 周岁");
    expect(await stored(c.idNumber)).to.include({ licenceFirstIssuedOn: "2010-01-01" });
  });

  it("when an escort's licence recorded by mistake is removed, then both fields are gone; a freight driver's licence cannot be removed", async () => {
    const escort = await registerTestCandidate(env.node, { categories: ["03003"] });
    const removed = await correct(escort.id, { licenceClass: null, licenceFirstIssuedOn: null });
    expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
    expect(removed.body.candidate).to.include({ licenceClass: null, licenceFirstIssuedOn: null });
    const row = await stored(escort.idNumber);
    expect(row).to.not.have.property("licenceClass");
    expect(row).to.not.have.property("licenceFirstIssuedOn");
    expect((await audits(escort.id))[0]?.details).to.include({
      licenceClassBefore: "A1",
      licenceClass: null,
    });

    const driver = await registerTestCandidate(env.node, { categories: ["02001"] });
    const refused = await correct(driver.id, { licenceClass: null, licenceFirstIssuedOn: null });
    expect(refused.status).to.equal(422);
    expect(refused.body.error.message).to.contain("缺少准驾车型");
    expect(await stored(driver.idNumber)).to.include({ licenceClass: "A1" });
  });

  it("when half a licence is sent, then it is refused naming the missing field, before anything is read", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"] });
    const classOnly = await correct(c.id, { licenceClass: "B2" }).expect(400);
    const paths = (body: { error: { details: { path: string }[] } }) => body.error.details.map((i) => i.path);
    expect(paths(classOnly.body)).to.deep.equal(["licenceFirstIssuedOn"]);
    const halfRemoved = await correct(c.id, {
      licenceClass: null,
      licenceFirstIssuedOn: "2012-01-01",
    }).expect(400);
    expect(paths(halfRemoved.body)).to.deep.equal(["licenceClass"]);
    expect(halfRemoved.body.error.message).to.contain("删除驾驶证时须同时清空");
    expect(await stored(c.idNumber)).to.include({ licenceClass: "A1" });
  });

  it("when an escort's education is corrected to primary school, then it is refused naming the level; to a bachelor's degree, it is recorded", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["03003"], withoutLicence: true });
    const refused = await correct(c.id, { education: "primary" });
    expect(refused.status).to.equal(422);
    expect(refused.body.error.message).to.contain("文化程度须为初中及以上");
    expect(await stored(c.idNumber)).to.include({ education: "senior_middle" });
    const res = await correct(c.id, { education: "bachelor" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.candidate.education).to.equal("bachelor");
  });

  it("when a licence correction and an application for a driver category race, then never both: a category is never kept on a licence it was not checked against", async () => {
    for (let round = 0; round < 6; round++) {
      // An escort with a C1: the correction to C3 suits 03003 alone, the application for freight
      // was checked against the C1.
      const c = await registerTestCandidate(env.node, { categories: ["03003"], licenceClass: "C1" });
      const [corrected, applied] = await Promise.all([
        correct(c.id, { licenceClass: "C3", licenceFirstIssuedOn: "2010-01-01" }),
        officer.agent.post(`/api/candidates/${c.id}/categories`).send({ categories: ["02001"] }),
      ]);
      // The loser is refused with a reason: the registration changed (409), or, read after the
      // winner, the rules no longer hold (422).
      expect([200, 409, 422], `correction, round ${round}`).to.include(corrected.status);
      expect([200, 409, 422], `application, round ${round}`).to.include(applied.status);
      const row = await stored(c.idNumber);
      if ((row?.categories as string[]).includes("02001"))
        expect(row?.licenceClass, `round ${round}: freight on a C3`).to.equal("C1");
      expect([corrected.status, applied.status], `round ${round}`).to.not.deep.equal([200, 200]);
    }
  });
});
