import { expect } from "chai";
import { Types } from "mongoose";
import { staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { versionOf } from "./grant-helpers.js";

/**
 * An admin's own division is their scope: moving their own account down to a city left the
 * province without its admin (the last one could do it to themselves), so it is a higher admin's
 * change, as their own roles are.
 */
describe("staff administration: an admin's own division", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });

  it("when a province admin moves their own account to a city, then it is refused and the division stays", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const res = await admin.agent
      .patch(`/api/users/${admin.staff.id}`)
      .send({ divisionCode: "320100", expectedVersion: await versionOf(env.node, admin.staff.id) });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "cannot_change_own_division"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    expect((await stored(admin.staff.id))?.divisionCode).to.equal("320000");
    // Sending the division unchanged is no change, and the name is still theirs to fix.
    await admin.agent
      .patch(`/api/users/${admin.staff.id}`)
      .send({
        divisionCode: "320000",
        displayName: "改名管理员",
        expectedVersion: await versionOf(env.node, admin.staff.id),
      })
      .expect(200);
  });
});
