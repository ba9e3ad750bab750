import { expect } from "chai";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { anotherInstance, aPass, officer, startCertNode, type TestNode } from "./support.js";

/**
 * Registration reads what this node certified: a holder of the freight certificate for three
 * years meets the dangerous-goods prerequisite without the officer retyping it.
 */
describe("certificates: registration reads the qualifications this node certified", function () {
  this.timeout(120_000);
  let node: TestNode;
  let agent: AuthedAgent;
  before(async () => {
    node = await startCertNode({}, { keysMadeAt: new Date(Date.now() - 4 * 365 * 86_400_000) });
    agent = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
  });
  after(async () => node.stop());

  /** A freight driver whose certificate was issued `daysAgo` days back; their candidate id. */
  async function freightHolder(daysAgo: number): Promise<string> {
    const inst = anotherInstance(node, () => new Date(Date.now() - daysAgo * 86_400_000));
    await inst.feature.start?.();
    const pass = await aPass(node, "02001");
    await inst.facade.issuance.onExamPassed(pass);
    const p = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    );
    if (!p) throw new Error("no pending issuance");
    await inst.facade.issuance.issue(officer, String(p._id));
    // The certificate is 南京's, as one from a 南京 session is (the pass's session here is made up,
    // so it was filed under the province): registration shows it to that city's officers.
    await node.ctx.conn
      .collection("certificates")
      .updateOne({ certificateNo: pass.idNumber }, { $set: { divisionCode: "320100" } });
    return pass.candidateId;
  }

  const applyForDangerousGoods = (candidateId: string) =>
    agent.agent
      .post(`/api/candidates/${candidateId}/categories`)
      .send({ categories: ["03001"], declarations: { noMajorAccident3y: true, hazmatTraining: true } });

  it("when a freight driver certified here three years ago applies for dangerous goods, then the prerequisite is met from the certificate", async () => {
    const candidateId = await freightHolder(3 * 365);
    const res = await applyForDangerousGoods(candidateId);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.candidate.categories).to.deep.equal(["02001", "03001"]);
  });

  it("when the certificate is a year old, then the two-year prerequisite is refused, named", async () => {
    const candidateId = await freightHolder(365);
    const res = await applyForDangerousGoods(candidateId);
    expect(res.status).to.equal(422);
    expect(res.body.error.details.eligibility[0].failures.map((f: { rule: string }) => f.rule)).to.deep.equal(
      ["prerequisite"],
    );
  });
});

describe("certificates: a held qualification's last day is China's calendar day", function () {
  this.timeout(120_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ TIME_ZONE: "America/New_York" });
  });
  after(async () => node.stop());

  it("when the node shows another zone and the certificate's last valid day is over in China, then it no longer counts", async () => {
    // The next 02:00 UTC (after the node's keys were made): 10:00 in Beijing, the evening before in New York.
    const at = new Date(Date.now() + 86_400_000);
    at.setUTCHours(2, 0, 0, 0);
    const chinaDay = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const newYorkDay = new Date(at.getTime() - 5 * 3_600_000).toISOString().slice(0, 10);
    const inst = anotherInstance(node, () => at);
    await inst.feature.start?.();
    const pass = await aPass(node, "02001");
    await inst.facade.issuance.onExamPassed(pass);
    const p = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    );
    if (!p) throw new Error("no pending issuance");
    await inst.facade.issuance.issue(officer, String(p._id));
    await node.ctx.conn
      .collection("certificates")
      .updateOne({ certificateNo: pass.idNumber }, { $set: { validTo: newYorkDay } });
    expect(await inst.facade.qualificationsOf(pass.idNumber)).to.deep.equal([]);
    // Ending on China's today, it still counts.
    await node.ctx.conn
      .collection("certificates")
      .updateOne({ certificateNo: pass.idNumber }, { $set: { validTo: chinaDay } });
    expect((await inst.facade.qualificationsOf(pass.idNumber)).map((q) => q.categoryCode)).to.deep.equal([
      "02001",
    ]);
  });
});

describe("certificates: one held-qualifications read, in a pinned order", function () {
  this.timeout(120_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());

  /** The reads of `certificates` that `work` made, as the driver was asked them (method, filter, options). */
  async function certificateReads(
    work: () => Promise<unknown>,
  ): Promise<{ method: string; args: unknown[] }[]> {
    const reads: { method: string; args: unknown[] }[] = [];
    node.ctx.conn.set("debug", (collection: string, method: string, ...args: unknown[]) => {
      if (collection === "certificates") reads.push({ method, args });
    });
    try {
      await work();
    } finally {
      node.ctx.conn.set("debug", false);
    }
    return reads;
  }

  it("when registration asks for one person and for many, then both are answered by the same read, sorted so that which certificate counts is pinned", async () => {
    const inst = anotherInstance(node);
    const pass = await aPass(node, "02001");
    await inst.facade.issuance.onExamPassed(pass);
    const p = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    );
    if (!p) throw new Error("no pending issuance");
    await inst.facade.issuance.issue(officer, String(p._id));

    let one: unknown;
    let many: unknown;
    const oneReads = await certificateReads(async () => {
      one = await inst.facade.qualificationsOf(pass.idNumber);
    });
    const manyReads = await certificateReads(async () => {
      many = (await inst.facade.qualificationsOfMany([pass.idNumber, "110101199003071234"])).get(
        pass.idNumber,
      );
    });
    expect(one).to.deep.equal(many);
    expect((one as { categoryCode: string }[]).map((q) => q.categoryCode)).to.deep.equal(["02001"]);
    expect(oneReads.map((r) => r.method)).to.deep.equal(["find"]);
    expect(manyReads.map((r) => r.method)).to.deep.equal(["find"]);
    const options = (r: { args: unknown[] } | undefined) => JSON.stringify(r?.args[1] ?? null);
    expect(options(oneReads[0])).to.equal(options(manyReads[0]));
    expect(options(oneReads[0])).to.match(/"sort":\{[^}]+\}/);
  });
});
