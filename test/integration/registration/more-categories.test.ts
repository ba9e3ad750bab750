import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { registerTestCandidate, staffAgent, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { zhDate } from "../../helpers/zh-date.js";

/** 报考新类别: a registered candidate applies for more categories on the same registration. */
describe("registration: applying for more categories", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const stored = (id: string) => env.node.ctx.conn.collection("candidates").findOne({ idNumber: id });
  const audited = (candidateId: string) =>
    env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "candidate.categories_added", "target.id": candidateId });
  const apply = (candidateId: string, body: object) =>
    officer.agent.post(`/api/candidates/${candidateId}/categories`).send(body);

  it("when a registered freight driver applies for the passenger category, then it is added to the same registration with one audit entry", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"] });
    const res = await apply(c.id, { categories: ["01001"], declarations: { noMajorAccident3y: true } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.candidate.categories).to.deep.equal(["02001", "01001"]);
    expect((await stored(c.idNumber))?.declarations).to.include({ noMajorAccident3y: true });
    expect(await audited(c.id)).to.equal(1);
  });

  it("when a driver applies for the dangerous-goods category with the freight qualification held since 2020, then the prerequisite is met; held for less than two years, it is refused naming it", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["01001"] });
    const body = (since: string) => ({
      categories: ["03001"],
      heldQualifications: [{ categoryCode: "02001", firstIssuedOn: since }],
      declarations: { noMajorAccident3y: true, hazmatTraining: true },
    });
    const recent = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
    const refused = await apply(c.id, body(recent));
    expect(refused.status).to.equal(422);
    expect(refused.body.error.code).to.equal("not_eligible");
    expect(
      refused.body.error.details.eligibility[0].failures.map((f: { rule: string }) => f.rule),
    ).to.deep.equal(["prerequisite"]);
    expect((await stored(c.idNumber))?.categories).to.deep.equal(["01001"]);

    const res = await apply(c.id, body("2020-01-01"));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.candidate.categories).to.deep.equal(["01001", "03001"]);
    expect(res.body.candidate.heldQualifications).to.deep.equal([
      { categoryCode: "02001", firstIssuedOn: "2020-01-01" },
    ]);

    // The held qualification now recorded keeps its day: another day for it is refused, not
    // checked against the rules and then dropped.
    const otherDay = await apply(c.id, { ...body("2019-01-01"), categories: ["03002"] });
    expect(otherDay.status).to.equal(409);
    expect(otherDay.body.error.code).to.equal("held_qualification_recorded");
    expect(otherDay.body.error.message).to.contain(zhDate("2019-01-01")).and.contain(zhDate("2020-01-01"));
    expect((await stored(c.idNumber))?.categories).to.deep.equal(["01001", "03001"]);
  });

  it("when an escort without a licence applies to drive freight, then it is refused naming the licence; given the licence obtained since, the licence is recorded with the category", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["03003"], withoutLicence: true });
    const bare = await apply(c.id, { categories: ["02001"] });
    expect(bare.status).to.equal(422);
    expect(
      bare.body.error.details.eligibility[0].failures.map((f: { rule: string }) => f.rule),
    ).to.deep.equal(["licence_class"]);
    expect(await stored(c.idNumber)).not.to.have.any.keys("licenceClass");

    const res = await apply(c.id, {
      categories: ["02001"],
      licenceClass: "B2",
      licenceFirstIssuedOn: "2024-03-01",
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.candidate).to.include({ licenceClass: "B2", licenceFirstIssuedOn: "2024-03-01" });
    expect(res.body.candidate.categories).to.deep.equal(["03003", "02001"]);
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "candidate.categories_added", "target.id": c.id });
    expect(entry?.details).to.deep.include({ categories: ["02001"], licenceAdded: "B2" });
  });

  it("when the category was applied for already, a recorded licence would change, the registration is withdrawn or belongs to another city, then it is refused and nothing is written", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"], licenceClass: "A2" });
    const before = await stored(c.idNumber);
    const twice = await apply(c.id, { categories: ["02001"] });
    expect(twice.status).to.equal(409);
    expect(twice.body.error.code).to.equal("category_already_applied");
    const otherLicence = await apply(c.id, {
      categories: ["01001"],
      licenceClass: "B1",
      licenceFirstIssuedOn: "2015-01-01",
      declarations: { noMajorAccident3y: true },
    });
    expect(otherLicence.status).to.equal(409);
    expect(otherLicence.body.error.code).to.equal("licence_recorded");
    const halfLicence = await apply(c.id, { categories: ["01001"], licenceClass: "A2" });
    expect(halfLicence.status).to.equal(400);

    const elsewhere = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320200" });
    const foreign = await elsewhere.agent
      .post(`/api/candidates/${c.id}/categories`)
      .send({ categories: ["01001"] });
    expect(foreign.status).to.equal(404);

    await officer.agent
      .post(`/api/candidates/${c.id}/withdraw`)
      .send({ reason: "考生本人申请撤销" })
      .expect(200);
    const withdrawn = await apply(c.id, { categories: ["01001"], declarations: { noMajorAccident3y: true } });
    expect(withdrawn.status).to.equal(409);
    expect(withdrawn.body.error.code).to.equal("candidate_withdrawn");

    const after = await stored(c.idNumber);
    expect(after?.categories).to.deep.equal(before?.categories);
    expect(after?.licenceClass).to.equal("A2");
    expect(await audited(c.id)).to.equal(0);
  });

  it("when the same category is applied for twice at once, then it is added once and the other is refused", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"] });
    const body = { categories: ["01001"], declarations: { noMajorAccident3y: true } };
    const answers = await Promise.all([apply(c.id, body), apply(c.id, body), apply(c.id, body)]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409))
      expect(["category_already_applied", "candidate_changed"]).to.include(refused.body.error.code);
    expect((await stored(c.idNumber))?.categories).to.deep.equal(["02001", "01001"]);
    expect(await audited(c.id)).to.equal(1);
  });

  it("when two categories are applied for at once with different declarations, then both are added and both declarations kept", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["02001"] });
    // Registered without the declarations the two categories ask for.
    await env.node.ctx.conn
      .collection("candidates")
      .updateOne({ idNumber: c.idNumber }, { $set: { declarations: {} } });
    // Both applications have read the registration before either writes (as two officers'
    // requests at the same moment): each then writes what it adds.
    const base = createAuditService(env.node.ctx.conn);
    let arrived = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const audit: AuditLog = {
      ...base,
      transaction: async (work) => {
        if (++arrived === 2) bothRead();
        await barrier;
        return base.transaction(work);
      },
    };
    const reg = createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: "320000",
      audit,
    });
    const actor = { ...officer.user, roles: ["officer"] } as AuthUser;
    await Promise.all([
      reg.applyForCategories(actor, c.id, {
        categories: ["01001"],
        declarations: { noMajorAccident3y: true },
        heldQualifications: [],
      }),
      reg.applyForCategories(actor, c.id, {
        categories: ["03003"],
        declarations: { hazmatTraining: true },
        heldQualifications: [],
      }),
    ]);
    const doc = await stored(c.idNumber);
    expect(doc?.categories).to.have.members(["02001", "01001", "03003"]);
    expect(doc?.declarations).to.include({ noMajorAccident3y: true, hazmatTraining: true });
  });

  it("when two applications at once declare the same held qualification with different first-issue days, then it is recorded once and the other is refused", async () => {
    const c = await registerTestCandidate(env.node, { categories: ["01001"] });
    // Both applications have read the registration (no qualification recorded) before either writes.
    const base = createAuditService(env.node.ctx.conn);
    let arrived = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const audit: AuditLog = {
      ...base,
      transaction: async (work) => {
        if (++arrived === 2) bothRead();
        await barrier;
        return base.transaction(work);
      },
    };
    const reg = createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: "320000",
      audit,
    });
    const actor = { ...officer.user, roles: ["officer"] } as AuthUser;
    const answers = await Promise.allSettled([
      reg.applyForCategories(actor, c.id, {
        categories: ["03001"],
        declarations: { noMajorAccident3y: true, hazmatTraining: true },
        heldQualifications: [{ categoryCode: "02001", firstIssuedOn: "2018-01-01" }],
      }),
      reg.applyForCategories(actor, c.id, {
        categories: ["03003"],
        declarations: { hazmatTraining: true },
        heldQualifications: [{ categoryCode: "02001", firstIssuedOn: "2019-06-01" }],
      }),
    ]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
    const refusal = answers.find((a) => a.status === "rejected");
    expect((refusal as PromiseRejectedResult).reason).to.include({ code: "candidate_changed" });
    const held = ((await stored(c.idNumber))?.heldQualifications ?? []) as { categoryCode: string }[];
    expect(held.filter((h) => h.categoryCode === "02001")).to.have.length(1);
    expect(await audited(c.id)).to.equal(1);
  });
});
