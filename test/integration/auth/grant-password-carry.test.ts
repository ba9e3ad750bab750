import { expect } from "chai";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, loginStaff, newUserBody, staffAgent, TEST_PASSWORD } from "../../helpers/auth.js";
import { createTestRoom } from "../../helpers/candidates.js";
import { useGrantNode } from "./grant-helpers.js";

const KNOWN = "Known-To-Admin-2026";
const RESET = "Reset-Passw0rd-2026";

/**
 * A privileged role granted to an existing account must not carry its current password into the
 * privilege: the requester may know it (they made the account a proctor, logged in as it and set
 * the forced password themselves), and the approver saw only a role grant.
 */
describe("staff administration: a privileged grant ends the account's current password", function () {
  this.timeout(60_000);
  const { env, stored, logsIn, editUser: patch } = useGrantNode();

  /** Admin A makes a proctor and takes it over: logs in as it and sets a password A knows. */
  async function aProctorTheAdminControls(divisionCode: string) {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const body = newUserBody({ roles: ["proctor"], divisionCode, testCentreId: room.testCentreId });
    const created = (await a.agent.post("/api/users").send(body).expect(201)).body.user as StaffUserDto;
    const asProctor = await loginStaff(env.node, body.username, body.password);
    await asProctor.agent
      .post("/api/auth/password")
      .send({ currentPassword: body.password, newPassword: KNOWN })
      .expect(204);
    return { a, created, username: body.username };
  }

  for (const role of ["officer", "examiner"] as const) {
    it(`when an admin adds ${role} to a proctor whose password they set, then after a second admin's approval that password no longer logs in and its logins have ended`, async () => {
      const { a, created, username } = await aProctorTheAdminControls("320000");
      const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
      const held = await loginStaff(env.node, username, KNOWN);
      const requested = await patch(a.agent, created.id, { roles: ["proctor", role] });
      expect(requested.status).to.equal(200);
      // The approver is told the approval ends the current password.
      expect((requested.body.user as StaffUserDto).pendingGrant?.endsPassword).to.equal(true);
      await patch(b.agent, created.id, { grant: "approve" }).then((r) => expect(r.status).to.equal(200));

      expect(await logsIn(username, KNOWN)).to.equal(false);
      expect((await held.agent.get("/api/auth/me")).status).to.equal(401);
      const account = await stored(created.id);
      expect([account?.roles, account?.passwordUnusable]).to.deep.equal([["proctor", role], true]);
      const listed = (await b.agent.get("/api/users?pageSize=200").expect(200)).body.users as StaffUserDto[];
      expect(listed.find((u) => u.id === created.id)?.passwordUsable).to.equal(false);
      const entry = await env.node.ctx.conn
        .collection("audit_log")
        .findOne({ action: "user.grant_approved", "target.id": created.id });
      expect(entry?.details?.passwordEnded).to.equal(true);

      // A password now comes only through a reset, itself a grant the approver sees as one.
      const reset = await patch(a.agent, created.id, { password: RESET });
      expect((reset.body.user as StaffUserDto).pendingGrant?.passwordReset).to.equal(true);
      await patch(b.agent, created.id, { grant: "approve" }).then((r) => expect(r.status).to.equal(200));
      expect(await logsIn(username, RESET)).to.equal(true);
      expect((await stored(created.id))?.passwordUnusable).to.equal(false);
    });
  }

  it("when a privileged role is asked together with a new password, then the approver is told it is a reset and, approved, the new password works", async () => {
    const { a, created, username } = await aProctorTheAdminControls("320000");
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const requested = await patch(a.agent, created.id, { roles: ["proctor", "officer"], password: RESET });
    const grant = (requested.body.user as StaffUserDto).pendingGrant;
    expect([grant?.passwordReset, grant?.endsPassword]).to.deep.equal([true, false]);
    await patch(b.agent, created.id, { grant: "approve" }).then((r) => expect(r.status).to.equal(200));
    expect([await logsIn(username, KNOWN), await logsIn(username, RESET)]).to.deep.equal([false, true]);
  });

  it("when a reset of a reviewer's password is rejected, then the old password logs in again as before, logins made before the reset stay ended, and the audit says it was restored", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const before = await loginStaff(env.node, target.username, TEST_PASSWORD);
    const reset = await patch(requester.agent, target.user.id, { password: RESET });
    expect((reset.body.user as StaffUserDto).pendingGrant?.restoresPassword).to.equal(true);
    expect(await logsIn(target.username, TEST_PASSWORD)).to.equal(false);
    const rejected = await patch(other.agent, target.user.id, { grant: "reject" });
    expect(rejected.status).to.equal(200);
    const user = rejected.body.user as StaffUserDto;
    expect([user.pendingGrant, user.mustChangePassword, user.passwordUsable]).to.deep.equal([
      null,
      false,
      true,
    ]);
    expect((await before.agent.get("/api/auth/me")).status).to.equal(401);
    expect([
      await logsIn(target.username, TEST_PASSWORD),
      await logsIn(target.username, RESET),
    ]).to.deep.equal([true, false]);
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "user.grant_rejected", "target.id": target.user.id });
    expect(entry?.details?.passwordRestored).to.equal(true);
  });

  it("when the requester withdraws a reset of a new officer's password, then the old password and its change-first flag come back", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const body = newUserBody({ roles: ["officer"], divisionCode: "320000" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    await patch(other.agent, created.id, { grant: "approve" }).then((r) => expect(r.status).to.equal(200));
    await patch(requester.agent, created.id, { password: RESET }).then((r) => expect(r.status).to.equal(200));
    await patch(requester.agent, created.id, { grant: "reject" }).then((r) => expect(r.status).to.equal(200));
    expect((await stored(created.id))?.mustChangePassword).to.equal(true);
    expect([await logsIn(body.username, body.password), await logsIn(body.username, RESET)]).to.deep.equal([
      true,
      false,
    ]);
  });

  it("when a reset marked compromised is rejected, then no password is restored and the account says it has none usable", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const reset = await patch(requester.agent, target.user.id, { password: RESET, compromised: true });
    expect((reset.body.user as StaffUserDto).pendingGrant?.restoresPassword).to.equal(false);
    const rejected = await patch(other.agent, target.user.id, { grant: "reject" });
    expect((rejected.body.user as StaffUserDto).passwordUsable).to.equal(false);
    expect([
      await logsIn(target.username, TEST_PASSWORD),
      await logsIn(target.username, RESET),
    ]).to.deep.equal([false, false]);
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "user.grant_rejected", "target.id": target.user.id });
    expect([entry?.details?.passwordRestored, entry?.details?.usablePassword]).to.deep.equal([false, false]);
  });

  it("when compromised is sent without a password, then it is refused", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const res = await patch(admin.agent, target.user.id, { compromised: true });
    expect(res.status).to.equal(400);
  });
});
