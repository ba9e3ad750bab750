import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Two admins editing one account: the dialog opened before the other's save held the account as it
 * was, and its save (every field sent) silently undid the other's change. An edit names the version
 * it was made on, and a stale one is refused.
 */
describe("staff administration: an edit made on a stale account", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  const listed = async (agent: Awaited<ReturnType<typeof staffAgent>>["agent"], id: string) =>
    ((await agent.get("/api/users").expect(200)).body.users as StaffUserDto[]).find((u) => u.id === id);

  it("when two admins edit one account from the same version, then the second save is refused with account_changed and the first change stays", async () => {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const seen = await listed(a.agent, target.user.id);
    expect(seen?.version).to.be.a("number");
    await a.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ divisionCode: "320200", expectedVersion: seen?.version })
      .expect(200);
    const stale = await b.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ displayName: "旧窗口的修改", expectedVersion: seen?.version });
    expect([stale.status, stale.body.error?.code]).to.deep.equal([409, "account_changed"]);
    expect(stale.body.error.message).to.include("刷新");
    const after = await stored(target.user.id);
    expect([after?.divisionCode, after?.displayName]).to.deep.equal(["320200", target.user.displayName]);
    // Reloaded, the same edit goes through.
    const fresh = await listed(b.agent, target.user.id);
    expect(fresh?.version).to.not.equal(seen?.version);
    await b.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ displayName: "刷新后的修改", expectedVersion: fresh?.version })
      .expect(200);
  });

  it("when an admin changes roles, division, centre, status or password, or decides a grant, without the version, then it is refused with expected_version_required and nothing changes", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const bodies = [
      { roles: ["officer", "admin"] },
      { divisionCode: "320200" },
      { testCentreId: null },
      { active: false },
      { password: "Unversioned-Passw0rd-2026" },
      { grant: "reject" },
    ];
    for (const body of bodies) {
      const res = await admin.agent.patch(`/api/users/${target.user.id}`).send(body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).to.deep.equal([
        400,
        "expected_version_required",
      ]);
      expect(res.body.error.message).to.include("刷新");
    }
    const after = await stored(target.user.id);
    expect([after?.roles, after?.divisionCode, after?.active, after?.version ?? 0]).to.deep.equal([
      ["officer"],
      "320100",
      true,
      0,
    ]);
  });

  it("when an admin only renames an account or lifts its lock without the version, then the edit goes through", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    await admin.agent.patch(`/api/users/${target.user.id}`).send({ displayName: "只改名" }).expect(200);
    await admin.agent.patch(`/api/users/${target.user.id}`).send({ unlock: true }).expect(200);
    expect((await stored(target.user.id))?.displayName).to.equal("只改名");
  });
});
