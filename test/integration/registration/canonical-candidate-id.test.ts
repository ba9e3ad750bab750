import { expect } from "chai";
import { Types } from "mongoose";
import { scheduleCandidates, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A candidate id is an ObjectId, which the database's lookup also takes in upper case: the
 * candidate was found and then checked for an open seat by the id as typed, against seats that
 * store it in lower case, so a seated candidate's registration could be withdrawn.
 */
describe("registration: a candidate id typed in upper case", function () {
  this.timeout(60_000);
  const env = useTestNode();

  it("when a seated candidate is withdrawn or renamed with their id in upper case, then it is refused candidate_seated and the registration is unchanged", async () => {
    const { candidates } = await scheduleCandidates(env.node, { count: 1 });
    const [cand] = candidates;
    if (!cand) throw new Error("fixture");
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320000" });
    const upper = `/api/candidates/${cand.id.toUpperCase()}`;
    const withdrawn = await officer.agent.post(`${upper}/withdraw`).send({ reason: "考生本人申请撤销" });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.equal(409);
    expect(withdrawn.body.error.code).to.equal("candidate_seated");
    const renamed = await officer.agent.patch(upper).send({ name: "李更正" });
    expect(renamed.status, JSON.stringify(renamed.body)).to.equal(409);
    expect(renamed.body.error.code).to.equal("candidate_seated");
    const stored = await env.node.ctx.conn
      .collection("candidates")
      .findOne({ _id: new Types.ObjectId(cand.id) });
    expect(stored).to.deep.include({ withdrawnAt: null, name: cand.name });
  });

  it("when a candidate is read with their id in upper case, then it is that candidate under their own id", async () => {
    const { candidates } = await scheduleCandidates(env.node, { count: 1 });
    const [cand] = candidates;
    if (!cand) throw new Error("fixture");
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320000" });
    const read = await officer.agent.get(`/api/candidates/${cand.id.toUpperCase()}`).expect(200);
    expect(read.body.candidate.id).to.equal(cand.id);
  });
});
