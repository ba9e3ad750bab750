import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { newUserBody, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useGrantNode, versionOf } from "./grant-helpers.js";

/**
 * A waiting grant stands on its requester's authority: an admin removed since (deactivated, or no
 * longer an admin) may have asked for it to plant an account they know the password of, and a
 * second admin approving it afterwards would complete what the removal was meant to stop. The
 * approval looks at the requester's account as it is then; rejecting it stays open to the others.
 */
describe("staff administration: a grant whose requester was removed cannot be approved", function () {
  this.timeout(60_000);
  const { env, stored, logsIn, editUser } = useGrantNode();
  const decide = (agent: AuthedAgent["agent"], id: string, grant: "approve" | "reject") =>
    editUser(agent, id, { grant });

  /** A new reviewer account asked for by one province admin, with two others to decide. */
  async function aGrantWaiting() {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const approver = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const remover = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const body = newUserBody({ roles: ["reviewer"], divisionCode: "320000" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    return { requester, approver, remover, body, created };
  }

  it("when the requester is deactivated before the approval, then it is refused with grant_requester_inactive and the grant still waits", async () => {
    const { requester, approver, remover, body, created } = await aGrantWaiting();
    await editUser(remover.agent, requester.staff.id, { active: false }).then((r) =>
      expect(r.status).to.equal(200),
    );

    const res = await decide(approver.agent, created.id, "approve");
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "grant_requester_inactive"]);
    expect(res.body.error.message).to.include("提出该授权的管理员");
    expect((await stored(created.id))?.pendingGrant, "the grant still waits").to.be.an("object");
    expect(await logsIn(body.username, body.password)).to.equal(false);
  });

  it("when the requester is no longer an admin, then the approval is refused and another admin may still reject the grant", async () => {
    const { requester, approver, body, created } = await aGrantWaiting();
    // Their admin role taken away (as a role edit by another admin would leave it).
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne({ _id: new Types.ObjectId(requester.staff.id) }, { $set: { roles: ["proctor"] } });

    const res = await decide(approver.agent, created.id, "approve");
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "grant_requester_inactive"]);
    const rejected = await decide(approver.agent, created.id, "reject");
    expect(rejected.status).to.equal(200);
    expect(await stored(created.id)).to.equal(null);
    expect(await logsIn(body.username, body.password)).to.equal(false);
  });

  it("when the requester is still an active admin, then a second admin's approval goes through", async () => {
    const { requester, approver, body, created } = await aGrantWaiting();
    expect((await stored(requester.staff.id))?.active).to.not.equal(false);
    const res = await approver.agent
      .patch(`/api/users/${created.id}`)
      .send({ grant: "approve", expectedVersion: await versionOf(env.node, created.id) });
    expect(res.status).to.equal(200);
    expect(await logsIn(body.username, body.password)).to.equal(true);
  });
});
