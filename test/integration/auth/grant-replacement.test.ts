import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, loginStaff, staffAgent } from "../../helpers/auth.js";
import { createTestRoom } from "../../helpers/candidates.js";
import { useGrantNode } from "./grant-helpers.js";

/**
 * A role replacement that adds a privileged role and takes away only unprivileged ones ([proctor] →
 * [officer]) is one change: until a second admin approves it the account keeps the roles it had
 * (it was left active with none, able to log in to an empty app), approval swaps them, and a
 * rejection leaves them. A privileged role taken away goes at once (a demotion does not wait for a
 * second admin); only the role added waits. A grant is decided
 * on the account it was asked on: one whose roles or division changed since is not approved.
 */
describe("staff administration: a role replacement waiting for approval", function () {
  this.timeout(60_000);
  const { env, stored, editUser: patch } = useGrantNode();
  const audited = (action: string, id: string) =>
    env.node.ctx.conn.collection("audit_log").findOne({ action, "target.id": id });

  async function twoAdminsAndAnOfficer() {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    return { a, b, officer };
  }

  /** A proctor bound to a centre of 320100 (a proctor must be). */
  async function aProctor() {
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    return { proctor, testCentreId: room.testCentreId };
  }

  it("when an admin is replaced by an officer (a demotion), then the admin role goes at once, the officer role waits, and approval gives it", async () => {
    const { a, b } = await twoAdminsAndAnOfficer();
    const admin = await createStaff(env.node, { roles: ["admin"], divisionCode: "320100" });
    const asked = await patch(a.agent, admin.user.id, { roles: ["officer"] });
    expect(asked.status).to.equal(200);
    const waiting = asked.body.user as StaffUserDto;
    expect([waiting.active, waiting.roles, waiting.pendingGrant?.roles]).to.deep.equal([
      true,
      [],
      ["officer"],
    ]);
    const login = await loginStaff(env.node, admin.username, admin.password);
    expect((await login.agent.get("/api/auth/me").expect(200)).body.user.roles).to.deep.equal([]);
    expect((await audited("user.roles_changed", admin.user.id))?.details?.roles).to.deep.equal({
      from: ["admin"],
      to: [],
    });

    expect((await patch(b.agent, admin.user.id, { grant: "approve" })).status).to.equal(200);
    const account = await stored(admin.user.id);
    expect([account?.active, account?.roles, account?.pendingGrant]).to.deep.equal([true, ["officer"], null]);
  });

  it("when an officer is replaced by an admin and the grant is rejected, then the officer role, taken away at once, does not come back", async () => {
    const { a, b, officer } = await twoAdminsAndAnOfficer();
    expect((await patch(a.agent, officer.user.id, { roles: ["admin"] })).status).to.equal(200);
    expect((await stored(officer.user.id))?.roles).to.deep.equal([]);
    expect((await patch(b.agent, officer.user.id, { grant: "reject" })).status).to.equal(200);
    const account = await stored(officer.user.id);
    expect([account?.active, account?.roles, account?.pendingGrant]).to.deep.equal([true, [], null]);
  });

  it("when an edit only adds roles, a privileged one and a proctor's, then the proctor's applies at once with its centre and approval adds the privileged one to it", async () => {
    const { a, b, officer } = await twoAdminsAndAnOfficer();
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const asked = await patch(a.agent, officer.user.id, {
      roles: ["officer", "admin", "proctor"],
      testCentreId: room.testCentreId,
    });
    expect(asked.status).to.equal(200);
    let account = await stored(officer.user.id);
    expect([[...(account?.roles ?? [])].sort(), account?.testCentreId]).to.deep.equal([
      ["officer", "proctor"],
      room.testCentreId,
    ]);
    expect((await patch(b.agent, officer.user.id, { grant: "approve" })).status).to.equal(200);
    account = await stored(officer.user.id);
    expect([[...(account?.roles ?? [])].sort(), account?.testCentreId]).to.deep.equal([
      ["admin", "officer", "proctor"],
      room.testCentreId,
    ]);
  });

  it("when a replacement stored before the roles were kept (the account left with none) is rejected, then the previous roles come back", async () => {
    const { a, b } = await twoAdminsAndAnOfficer();
    const { proctor } = await aProctor();
    expect(
      (await patch(a.agent, proctor.user.id, { roles: ["officer"], testCentreId: null })).status,
    ).to.equal(200);
    // As such a grant is stored: the roles it took away gone from the account, no `kept` mark.
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne(
        { _id: new Types.ObjectId(proctor.user.id) },
        { $set: { roles: [] }, $unset: { "pendingGrant.roleChange.kept": "", "pendingGrant.askedOn": "" } },
      );
    expect((await patch(b.agent, proctor.user.id, { grant: "reject" })).status).to.equal(200);
    expect((await stored(proctor.user.id))?.roles).to.deep.equal(["proctor"]);
    expect((await audited("user.grant_rejected", proctor.user.id))?.details?.rolesRestored).to.equal(true);
  });

  it("when a proctor is replaced by an officer, then it stays a proctor at its centre until approved, and approval unbinds it", async () => {
    const { a, b } = await twoAdminsAndAnOfficer();
    const { proctor, testCentreId } = await aProctor();
    const asked = await patch(a.agent, proctor.user.id, { roles: ["officer"], testCentreId: null });
    expect(asked.status).to.equal(200);
    let account = await stored(proctor.user.id);
    expect([account?.roles, account?.testCentreId]).to.deep.equal([["proctor"], testCentreId]);
    expect((await patch(b.agent, proctor.user.id, { grant: "approve" })).status).to.equal(200);
    account = await stored(proctor.user.id);
    expect([account?.roles, account?.testCentreId]).to.deep.equal([["officer"], null]);
    expect((await audited("user.grant_approved", proctor.user.id))?.details?.testCentreId).to.deep.equal({
      from: testCentreId,
      to: null,
    });
  });

  it("when a replacement also moves the account to another division, then it is refused with replacement_with_move and nothing changes", async () => {
    const { a } = await twoAdminsAndAnOfficer();
    const { proctor } = await aProctor();
    const res = await patch(a.agent, proctor.user.id, {
      roles: ["reviewer"],
      divisionCode: "320000",
      testCentreId: null,
    });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "replacement_with_move"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    const account = await stored(proctor.user.id);
    expect([account?.roles, account?.divisionCode, account?.pendingGrant]).to.deep.equal([
      ["proctor"],
      "320100",
      null,
    ]);
  });

  it("when another admin removes a role from a disabled officer whose re-enabling waits, then approving the re-enabling is refused with grant_outdated and the role does not come back", async () => {
    const { a, b } = await twoAdminsAndAnOfficer();
    const c = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const target = await createStaff(env.node, {
      roles: ["proctor", "officer"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    expect((await patch(a.agent, target.user.id, { active: false })).status).to.equal(200);
    expect((await patch(a.agent, target.user.id, { active: true })).status).to.equal(200);
    expect((await patch(c.agent, target.user.id, { roles: ["proctor"] })).status).to.equal(200);

    const res = await patch(b.agent, target.user.id, { grant: "approve" });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "grant_outdated"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    let account = await stored(target.user.id);
    expect([account?.active, account?.roles]).to.deep.equal([false, ["proctor"]]);
    // The stale grant is rejected (or withdrawn) and asked again on the account as it is.
    expect((await patch(b.agent, target.user.id, { grant: "reject" })).status).to.equal(200);
    account = await stored(target.user.id);
    expect([account?.active, account?.roles, account?.pendingGrant]).to.deep.equal([
      false,
      ["proctor"],
      null,
    ]);
  });

  it("when two admins approve the same grant at once, then one approval lands and the other is refused", async () => {
    const { a, b, officer } = await twoAdminsAndAnOfficer();
    const c = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    expect((await patch(a.agent, officer.user.id, { roles: ["officer", "admin"] })).status).to.equal(200);
    const results = await Promise.all([
      patch(b.agent, officer.user.id, { grant: "approve" }),
      patch(c.agent, officer.user.id, { grant: "approve" }),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
    expect(((await stored(officer.user.id))?.roles as string[]).sort()).to.deep.equal(["admin", "officer"]);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "user.grant_approved", "target.id": officer.user.id }),
    ).to.equal(1);
  });
});
