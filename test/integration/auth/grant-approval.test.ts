import { expect } from "chai";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import {
  createStaff,
  loginStaff,
  newUserBody,
  staffAgent,
  TEST_PASSWORD,
  type AuthedAgent,
} from "../../helpers/auth.js";
import { useGrantNode, versionOf } from "./grant-helpers.js";

const NEW_PASSWORD = "Granted-Passw0rd-2026";

/**
 * Four-eyes over privileged grants: an admin who creates a reviewer (or an officer, an examiner, a
 * hub operator, an admin), adds such a role, or resets such an account's password knows its
 * password, and could log in as it and approve their own questions. The grant waits for a second,
 * different admin who may manage the account.
 */
describe("staff administration: a privileged grant needs a second admin", function () {
  this.timeout(60_000);
  const { env, stored, logsIn, editUser } = useGrantNode();
  const decide = (agent: AuthedAgent["agent"], id: string, grant: "approve" | "reject") =>
    editUser(agent, id, { grant });

  it("when an admin creates a reviewer, then it cannot log in until a different admin approves, and its requester's approval is refused", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const body = newUserBody({ roles: ["reviewer"], divisionCode: "320000" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    expect(created.pendingGrant?.kind).to.equal("account");
    expect(await logsIn(body.username, body.password)).to.equal(false);

    const own = await decide(requester.agent, created.id, "approve");
    expect([own.status, own.body.error?.code]).to.deep.equal([403, "approval_by_requester"]);
    expect(own.body.error.message).to.include("另一名管理员");
    expect(await logsIn(body.username, body.password)).to.equal(false);

    const approved = await decide(other.agent, created.id, "approve");
    expect(approved.status).to.equal(200);
    expect((approved.body.user as StaffUserDto).pendingGrant).to.equal(null);
    expect(await logsIn(body.username, body.password)).to.equal(true);
    const account = await stored(created.id);
    expect([String(account?.lastGrant?.requestedBy), String(account?.lastGrant?.approvedBy)]).to.deep.equal([
      requester.staff.id,
      other.staff.id,
    ]);
    const again = await decide(other.agent, created.id, "approve");
    expect([again.status, again.body.error?.code]).to.deep.equal([409, "no_pending_grant"]);
  });

  it("when an admin adds the officer role to an account, then the role is not effective until another admin approves, which ends the current password", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const res = await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ roles: ["reviewer", "officer"], expectedVersion: await versionOf(env.node, target.user.id) })
      .expect(200);
    expect((res.body.user as StaffUserDto).roles).to.deep.equal(["reviewer"]);
    expect((res.body.user as StaffUserDto).pendingGrant?.roles).to.deep.equal(["officer"]);
    const login = await loginStaff(env.node, target.username, target.password);
    expect((await login.agent.get("/api/auth/me").expect(200)).body.user.roles).to.deep.equal(["reviewer"]);

    expect((await decide(other.agent, target.user.id, "approve")).status).to.equal(200);
    // The password it had may be the requester's (grant-password-carry.test.ts): it ends.
    await login.agent.get("/api/auth/me").expect(401);
    expect(await logsIn(target.username, target.password)).to.equal(false);
    expect(((await stored(target.user.id))?.roles as string[]).sort()).to.deep.equal(["officer", "reviewer"]);
  });

  it("when an admin resets a reviewer's password, then the old password ends at once and the new one works only after another admin approves", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const before = await loginStaff(env.node, target.username, TEST_PASSWORD);
    await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ password: NEW_PASSWORD, expectedVersion: await versionOf(env.node, target.user.id) })
      .expect(200);
    await before.agent.get("/api/auth/me").expect(401);
    expect([
      await logsIn(target.username, TEST_PASSWORD),
      await logsIn(target.username, NEW_PASSWORD),
    ]).to.deep.equal([false, false]);
    expect((await decide(other.agent, target.user.id, "approve")).status).to.equal(200);
    expect(await logsIn(target.username, NEW_PASSWORD)).to.equal(true);
  });

  it("when a city admin rejects a grant a province admin asked for, then it is refused with approver_below_requester and the grant still waits, while the requester may withdraw it", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const reset = await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ password: NEW_PASSWORD, expectedVersion: target.user.version })
      .expect(200);
    const version = (reset.body.user as StaffUserDto).version;
    const res = await cityAdmin.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ grant: "reject", expectedVersion: version });
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "approver_below_requester"]);
    expect((await stored(target.user.id))?.pendingGrant?.passwordHash).to.be.a("string");
    await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ grant: "reject", expectedVersion: version })
      .expect(200);
    expect((await stored(target.user.id))?.pendingGrant).to.equal(null);
  });

  it("when another admin rejects a new officer account, then the account is gone and cannot log in", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const body = newUserBody({ roles: ["officer"], divisionCode: "320100" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    expect((await decide(other.agent, created.id, "reject")).status).to.equal(200);
    expect(await stored(created.id)).to.equal(null);
    expect(await logsIn(body.username, body.password)).to.equal(false);
  });

  it("when an admin only renames a privileged account, then nothing waits and it still logs in, and a non-admin cannot decide a grant", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    // A reviewer is no admin: the grant is an admin's to decide.
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320000" });
    await requester.agent.patch(`/api/users/${target.user.id}`).send({ displayName: "改名" }).expect(200);
    expect(await logsIn(target.username, target.password)).to.equal(true);
    expect((await decide(other.agent, target.user.id, "approve")).status).to.equal(403);
  });

  it("when a city admin approves a grant a province admin asked for, then it is refused with approver_below_requester and the account still cannot log in", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const body = newUserBody({ roles: ["officer"], divisionCode: "320100" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    const res = await decide(cityAdmin.agent, created.id, "approve");
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "approver_below_requester"]);
    expect(await logsIn(body.username, body.password)).to.equal(false);
  });

  it("when an admin approves a grant of a role to their own account, then it is refused with approval_by_grantee and the role is not given", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const grantee = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    await requester.agent
      .patch(`/api/users/${grantee.staff.id}`)
      .send({ roles: ["admin", "officer"], expectedVersion: await versionOf(env.node, grantee.staff.id) })
      .expect(200);
    const res = await decide(grantee.agent, grantee.staff.id, "approve");
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "approval_by_grantee"]);
    const account = await stored(grantee.staff.id);
    expect([account?.roles, account?.pendingGrant?.roles]).to.deep.equal([["admin"], ["officer"]]);
  });

  it("when an admin asks a second grant on an account whose first still waits, then it is refused with grant_pending and the first still waits", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ roles: ["reviewer", "officer"], expectedVersion: await versionOf(env.node, target.user.id) })
      .expect(200);
    const res = await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({
        roles: ["reviewer", "officer", "examiner"],
        expectedVersion: await versionOf(env.node, target.user.id),
      });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "grant_pending"]);
    expect((await stored(target.user.id))?.pendingGrant?.roles).to.deep.equal(["officer"]);
  });

  it("when an admin approves a grant and changes the account in the same request, then it is refused with grant_decision_alone and the grant still waits", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ roles: ["reviewer", "officer"], expectedVersion: await versionOf(env.node, target.user.id) })
      .expect(200);
    const res = await other.agent
      .patch(`/api/users/${target.user.id}`)
      .send({
        grant: "approve",
        displayName: "改名",
        expectedVersion: await versionOf(env.node, target.user.id),
      });
    expect([res.status, res.body.error?.code]).to.deep.equal([400, "grant_decision_alone"]);
    const account = await stored(target.user.id);
    expect([account?.roles, account?.pendingGrant?.roles]).to.deep.equal([["reviewer"], ["officer"]]);
  });
});
