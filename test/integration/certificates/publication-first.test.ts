import { expect } from "chai";
import { publishedResults } from "../../../server/exams/index.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  officer,
  pendingIssuanceOf,
  publishResultsOf,
  startCertNode,
  type TestNode,
} from "./support.js";

/** 成绩发布 comes before 发证: a certificate rests on the official result, never a provisional one. */
describe("certificate issuance waits for the session's results publication", function () {
  this.timeout(60_000);
  let node: TestNode;
  let autoNode: TestNode;
  before(async () => {
    [node, autoNode] = await Promise.all([startCertNode(), startCertNode({ CERT_AUTO_ISSUE: "true" })]);
  });
  after(async () => Promise.all([node?.stop(), autoNode?.stop()]));

  it("when an officer issues a pass whose session is not yet published, then it is refused with results_not_published and nothing is written; after publication it is issued", async () => {
    const inst = anotherInstance(node);
    const pass = await aPass(node, "01001", { published: false });
    const pending = await pendingIssuanceOf(inst, pass);
    const error = await issueError(inst, pending);
    expect(error).to.deep.include({ code: "results_not_published", status: 409 });
    expect((error as Error).message).to.include("成绩尚未发布");
    await expectNothingIssued(node, pass);

    await publishResultsOf(node, pass.sessionId);
    const record = await inst.facade.issuance.issue(officer, pending);
    expect(record.certificateNo).to.equal(pass.idNumber);
  });

  it("when publication is read outside the issuing transaction only, then the check inside it still refuses", async () => {
    // A port that says "published" unless asked inside a transaction: only the in-transaction
    // read decides, so a stale or raced pre-check cannot issue on a provisional result.
    const inst = anotherInstance(node);
    const pass = await aPass(node, "01001", { published: false });
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find((p) => p.attemptId === pass.attemptId)!;
    const raced = anotherInstance(node, undefined, undefined, {
      isPublished: (_sessionId, tx) => Promise.resolve(tx === undefined),
      isOfficialPass: (attemptId, tx) => publishedResults(node.ctx.conn).isOfficialPass(attemptId, tx),
    });
    let error: unknown;
    await raced.facade.issuance.issue(officer, String(pending._id)).catch((e: unknown) => (error = e));
    expect(error).to.have.property("code", "results_not_published");
    expect(await node.ctx.conn.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(0);
  });

  it("when the node issues automatically, then a pass waits while its session is unpublished and is issued once the results are published", async () => {
    const inst = anotherInstance(autoNode);
    const pass = await aPass(autoNode, "01001", { published: false });
    await inst.facade.issuance.onExamPassed(pass);
    const db = autoNode.ctx.conn;
    expect(await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId })).to.include({
      status: "pending",
    });
    expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(0);

    await publishResultsOf(autoNode, pass.sessionId);
    await inst.facade.issuance.onResultsPublished(pass.sessionId);
    expect(await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId })).to.include({
      status: "issued",
    });
    expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(1);
  });
});
