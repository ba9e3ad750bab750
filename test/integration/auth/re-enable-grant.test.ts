import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, loginStaff, staffAgent } from "../../helpers/auth.js";
import { createTestRoom } from "../../helpers/candidates.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Re-enabling an account gives back every privileged role it holds: one admin alone could re-open
 * an officer a higher admin had closed (or one whose password they knew) and use it. Its
 * privileged roles wait for a second admin, as a grant of them would.
 */
describe("staff administration: re-enabling a privileged account", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  const logsIn = (username: string, password: string) =>
    loginStaff(env.node, username, password).then(
      () => true,
      () => false,
    );

  it("when an admin re-enables an officer, then it stays disabled while the officer role waits for a second admin, and its approval opens it and ends the old password", async () => {
    const province = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const off = await province.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ active: false, expectedVersion: officer.user.version })
      .expect(200);
    const on = await province.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ active: true, expectedVersion: (off.body.user as StaffUserDto).version })
      .expect(200);
    const reEnabled = on.body.user as StaffUserDto;
    expect([reEnabled.active, reEnabled.roles, reEnabled.pendingGrant?.roles]).to.deep.equal([
      false,
      ["officer"],
      ["officer"],
    ]);
    expect(reEnabled.pendingGrant?.endsPassword).to.equal(true);
    expect(await logsIn(officer.username, officer.password)).to.equal(false);
    // The re-enabling admin cannot approve it themselves, nor can an admin below them.
    for (const [agent, code] of [
      [province.agent, "approval_by_requester"],
      [city.agent, "approver_below_requester"],
    ] as const) {
      const res = await agent
        .patch(`/api/users/${officer.user.id}`)
        .send({ grant: "approve", expectedVersion: reEnabled.version });
      expect([res.status, res.body.error?.code]).to.deep.equal([403, code]);
    }

    await other.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ grant: "approve", expectedVersion: reEnabled.version })
      .expect(200);
    const account = await stored(officer.user.id);
    expect([account?.active, account?.roles, account?.passwordUnusable]).to.deep.equal([
      true,
      ["officer"],
      true,
    ]);
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "user.grant_requested", "target.id": officer.user.id });
    expect(entry?.actor?.id).to.equal(province.staff.id);
  });

  it("when an admin re-enables a disabled proctor, then it is active with its role at once", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    const off = await admin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({ active: false, expectedVersion: proctor.user.version })
      .expect(200);
    const on = await admin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({ active: true, expectedVersion: (off.body.user as StaffUserDto).version })
      .expect(200);
    expect([(on.body.user as StaffUserDto).roles, (on.body.user as StaffUserDto).pendingGrant]).to.deep.equal(
      [["proctor"], null],
    );
    expect((await stored(proctor.user.id))?.active).to.equal(true);
  });
});
