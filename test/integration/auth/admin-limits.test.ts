import { expect } from "chai";
import { Types } from "mongoose";
import {
  aSessionThroughApi,
  createStaff,
  createTestRoom,
  loginStaff,
  newUserBody,
  staffAgent,
  TEST_PASSWORD,
} from "../../helpers/auth.js";
import { verifyPassword } from "../../../server/auth/password.js";
import { useTestNode } from "../../helpers/node.js";
import { approveGrant, versionOf } from "./grant-helpers.js";

const NEW_PASSWORD = "Reset-Passw0rd-2026";

/**
 * What the user administration may not do: take over the acting admin's own account (password,
 * roles) or another admin's at the same level, and what it still does for the admins above.
 */
describe("staff administration: limits of an admin over accounts", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const staffUsers = () => env.node.ctx.conn.collection("staff_users");
  const storedUser = (id: string) => staffUsers().findOne({ _id: new Types.ObjectId(id) });

  it("when an admin sets their own password or lifts their own lock through the user edit, then it is refused and the old password still logs in", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"] });
    const before = (await storedUser(admin.staff.id))?.passwordHash as string;
    const res = await admin.agent
      .patch(`/api/users/${admin.staff.id}`)
      .send({ password: NEW_PASSWORD, expectedVersion: await versionOf(env.node, admin.staff.id) });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("own_password_needs_current");
    expect(res.body.error.message).to.include("修改密码");
    expect((await storedUser(admin.staff.id))?.passwordHash).to.equal(before);
    await loginStaff(env.node, admin.staff.username, TEST_PASSWORD);
    // Nor may they lift their own lock: it is what holds a taken session guessing the current password.
    const unlock = await admin.agent.patch(`/api/users/${admin.staff.id}`).send({ unlock: true });
    expect([unlock.status, unlock.body.error?.code]).to.deep.equal([403, "cannot_unlock_self"]);
    // Their own name is still theirs to fix here.
    await admin.agent.patch(`/api/users/${admin.staff.id}`).send({ displayName: "改名管理员" }).expect(200);
  });

  it("when an admin grants or changes their own roles, then it is refused and the roles stay", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"] });
    for (const roles of [["admin", "officer"], ["officer"]]) {
      const res = await admin.agent
        .patch(`/api/users/${admin.staff.id}`)
        .send({ roles, expectedVersion: await versionOf(env.node, admin.staff.id) });
      expect(res.status, roles.join()).to.equal(409);
      expect(res.body.error.code).to.equal("cannot_change_own_roles");
    }
    expect((await admin.agent.get("/api/auth/me").expect(200)).body.user.roles).to.deep.equal(["admin"]);
    // Sending the roles unchanged (the edit dialog sends every field) is no change.
    await admin.agent
      .patch(`/api/users/${admin.staff.id}`)
      .send({ roles: ["admin"], expectedVersion: await versionOf(env.node, admin.staff.id) })
      .expect(200);
  });

  it("when a city admin edits another admin of the same city, then it is refused and nothing changes", async () => {
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const peer = await createStaff(env.node, { roles: ["admin"], divisionCode: "320100" });
    const before = await storedUser(peer.user.id);
    for (const body of [
      { password: NEW_PASSWORD },
      { roles: ["officer"] },
      { active: false, displayName: "改名" },
      { displayName: "改名" },
    ]) {
      const res = await cityAdmin.agent
        .patch(`/api/users/${peer.user.id}`)
        .send({ ...body, expectedVersion: peer.user.version });
      expect(res.status, JSON.stringify(body)).to.equal(403);
      expect(res.body.error.code).to.equal("peer_admin_account");
    }
    expect(await storedUser(peer.user.id)).to.deep.equal(before);
    await loginStaff(env.node, peer.username, TEST_PASSWORD);
    // Nor can one higher up on the division tree be touched (it is out of sight altogether).
    const provinceAdmin = await createStaff(env.node, { roles: ["admin"], divisionCode: "320000" });
    await cityAdmin.agent
      .patch(`/api/users/${provinceAdmin.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, provinceAdmin.user.id) })
      .expect(404);
  });

  it("when a province admin leaves, then another province admin can deactivate their account, and nothing more", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const leaving = await createStaff(env.node, { roles: ["admin"], divisionCode: "320000" });
    // Nobody is above the node's province: deactivation is how a departed colleague's account closes.
    await provinceAdmin.agent
      .patch(`/api/users/${leaving.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, leaving.user.id) })
      .expect(200);
    expect((await storedUser(leaving.user.id))?.active).to.equal(false);
    const back = await provinceAdmin.agent
      .patch(`/api/users/${leaving.user.id}`)
      .send({ active: true, expectedVersion: await versionOf(env.node, leaving.user.id) });
    expect([back.status, back.body.error?.code]).to.deep.equal([403, "peer_admin_account"]);
  });

  it("when a province admin deactivates a city admin, then another admin of that city cannot activate them again", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const deactivated = await createStaff(env.node, { roles: ["admin"], divisionCode: "320100" });
    await provinceAdmin.agent
      .patch(`/api/users/${deactivated.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, deactivated.user.id) })
      .expect(200);
    const res = await cityAdmin.agent
      .patch(`/api/users/${deactivated.user.id}`)
      .send({ active: true, expectedVersion: await versionOf(env.node, deactivated.user.id) });
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "peer_admin_account"]);
    expect((await storedUser(deactivated.user.id))?.active).to.equal(false);
  });

  it("when a province admin manages a city admin and a city admin manages the city's other staff and a county admin, then the changes are made", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const cityAdmin = await createStaff(env.node, { roles: ["admin"], divisionCode: "320100" });
    // Both are privileged grants: each waits for a second province admin (grant-approval.test.ts).
    // The role first: its approval ends the current password (grant-password-carry.test.ts).
    await provinceAdmin.agent
      .patch(`/api/users/${cityAdmin.user.id}`)
      .send({ roles: ["admin", "officer"], expectedVersion: await versionOf(env.node, cityAdmin.user.id) })
      .expect(200);
    await approveGrant(env.node, cityAdmin.user.id, "320000");
    await provinceAdmin.agent
      .patch(`/api/users/${cityAdmin.user.id}`)
      .send({ password: NEW_PASSWORD, expectedVersion: await versionOf(env.node, cityAdmin.user.id) })
      .expect(200);
    await approveGrant(env.node, cityAdmin.user.id, "320000");
    const city = await loginStaff(env.node, cityAdmin.username, NEW_PASSWORD);
    expect(city.user.roles).to.deep.equal(["admin", "officer"]);
    // The password the province admin set is changed first (password-policy.test.ts).
    await city.agent
      .post("/api/auth/password")
      .send({ currentPassword: NEW_PASSWORD, newPassword: "City-Own-Passw0rd-2026" })
      .expect(204);

    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    await city.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ password: NEW_PASSWORD, expectedVersion: await versionOf(env.node, officer.user.id) })
      .expect(200);
    await city.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, officer.user.id) })
      .expect(200);
    const countyAdmin = await createStaff(env.node, { roles: ["admin"], divisionCode: "320102" });
    await city.agent
      .patch(`/api/users/${countyAdmin.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, countyAdmin.user.id) })
      .expect(200);
    expect((await storedUser(countyAdmin.user.id))?.active).to.equal(false);
  });

  it("when a city admin makes an admin of their own level (created, granted or moved up), then it is refused and nothing is written; an admin below is made", async () => {
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const made = await cityAdmin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "同级管理员", roles: ["admin"], divisionCode: "320100" }));
    expect([made.status, made.body.error?.code]).to.deep.equal([403, "admin_not_below"]);
    expect(await staffUsers().countDocuments({ displayName: "同级管理员" })).to.equal(0);

    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const countyAdmin = await createStaff(env.node, { roles: ["admin"], divisionCode: "320102" });
    const before = [await storedUser(officer.user.id), await storedUser(countyAdmin.user.id)];
    for (const [id, body] of [
      [officer.user.id, { roles: ["officer", "admin"] }],
      [countyAdmin.user.id, { divisionCode: "320100" }],
    ] as const) {
      const res = await cityAdmin.agent
        .patch(`/api/users/${id}`)
        .send({ ...body, expectedVersion: await versionOf(env.node, id) });
      expect([res.status, res.body.error?.code], JSON.stringify(body)).to.deep.equal([
        403,
        "admin_not_below",
      ]);
    }
    expect([await storedUser(officer.user.id), await storedUser(countyAdmin.user.id)]).to.deep.equal(before);

    await cityAdmin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "区管理员", roles: ["admin"], divisionCode: "320102" }))
      .expect(201);
  });

  it("when a city admin deactivates a proctor of the city bound to a centre elsewhere, then it is done without asking about the binding", async () => {
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const nanjing = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const suzhou = await createTestRoom(env.node, { seats: 1, divisionCode: "320508" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: nanjing.testCentreId,
    });
    // An account bound before a proctor's centre had to lie in the proctor's own division.
    await staffUsers().updateOne(
      { _id: new Types.ObjectId(proctor.user.id) },
      { $set: { testCentreId: suzhou.testCentreId } },
    );
    await cityAdmin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, proctor.user.id) })
      .expect(200);
    await cityAdmin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({ displayName: "停用的监考员" })
      .expect(200);
    expect(await storedUser(proctor.user.id)).to.include({ active: false, displayName: "停用的监考员" });
  });

  it("when a proctor is bound to a retired centre or one outside their division, then it is refused and the binding stays", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const own = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const retired = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const suzhou = await createTestRoom(env.node, { seats: 1, divisionCode: "320508" });
    await provinceAdmin.agent.post(`/api/test-centres/${retired.testCentreId}/retire`).send({}).expect(204);
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320102",
      testCentreId: own.testCentreId,
    });
    const toRetired = await provinceAdmin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({
        testCentreId: retired.testCentreId,
        expectedVersion: await versionOf(env.node, proctor.user.id),
      });
    expect([toRetired.status, toRetired.body.error?.code]).to.deep.equal([409, "test_centre_retired"]);
    const elsewhere = await provinceAdmin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({
        testCentreId: suzhou.testCentreId,
        expectedVersion: await versionOf(env.node, proctor.user.id),
      });
    expect([elsewhere.status, elsewhere.body.error?.code]).to.deep.equal([
      400,
      "test_centre_out_of_division",
    ]);
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320102" });
    const made = await provinceAdmin.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({
        roles: ["officer", "proctor"],
        testCentreId: retired.testCentreId,
        expectedVersion: await versionOf(env.node, officer.user.id),
      });
    expect(made.body.error?.code).to.equal("test_centre_retired");
    expect((await storedUser(proctor.user.id))?.testCentreId).to.equal(own.testCentreId);
    expect((await storedUser(officer.user.id))?.roles).to.deep.equal(["officer"]);
  });

  it("when a proctor is moved to another centre, then the audit entry names both centres, not only their ids", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const first = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const second = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320102",
      testCentreId: first.testCentreId,
    });
    await provinceAdmin.agent
      .patch(`/api/users/${proctor.user.id}`)
      .send({
        testCentreId: second.testCentreId,
        expectedVersion: await versionOf(env.node, proctor.user.id),
      })
      .expect(200);
    const centreName = async (id: string) =>
      (await env.node.ctx.conn.collection("test_centres").findOne({ _id: new Types.ObjectId(id) }))?.name;
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ "target.id": proctor.user.id, action: "user.updated" }, { sort: { seq: -1 } });
    expect(entry?.details).to.deep.equal({
      testCentreId: { from: first.testCentreId, to: second.testCentreId },
      testCentreName: {
        from: await centreName(first.testCentreId),
        to: await centreName(second.testCentreId),
      },
    });
  });

  it("when an admin renames a user, then the audit entry records the name from and to and no password material", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"] });
    const officer = await createStaff(env.node, { roles: ["officer"], displayName: "王旧名" });
    await admin.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({
        displayName: "王新名",
        password: NEW_PASSWORD,
        expectedVersion: await versionOf(env.node, officer.user.id),
      })
      .expect(200);
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "user.updated", "target.id": officer.user.id });
    expect(entry?.details).to.deep.equal({
      displayName: { from: "王旧名", to: "王新名" },
      passwordReset: true,
      unlocked: true,
    });
  });

  it("when a proctor is created or bound with their centre's id typed in upper case, then the id is stored as the centre's and they act on their centre's sessions", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320000" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320102" });
    const session = await aSessionThroughApi(env.node, officer, new Date(Date.now() + 3 * 86_400_000), room);
    const body = newUserBody({
      roles: ["proctor"],
      divisionCode: "320102",
      testCentreId: room.testCentreId.toUpperCase(),
    });
    const created = (await admin.agent.post("/api/users").send(body).expect(201)).body.user as { id: string };
    expect((await storedUser(created.id))?.testCentreId).to.equal(room.testCentreId);
    // An examiner (the province's: the role is held there only) reaches the session only as its proctor.
    const examiner = await createStaff(env.node, { roles: ["examiner"], divisionCode: "320000" });
    await admin.agent
      .patch(`/api/users/${examiner.user.id}`)
      .send({
        roles: ["examiner", "proctor"],
        testCentreId: room.testCentreId.toUpperCase(),
        expectedVersion: await versionOf(env.node, examiner.user.id),
      })
      .expect(200);
    expect((await storedUser(examiner.user.id))?.testCentreId).to.equal(room.testCentreId);
    const proctor = await loginStaff(env.node, examiner.username, TEST_PASSWORD);
    await proctor.agent.get(`/api/exam-sessions/${session.id}`).expect(200);
    const listed = (await proctor.agent.get("/api/exam-sessions").expect(200)).body.sessions as {
      id: string;
    }[];
    expect(listed.map((s) => s.id)).to.include(session.id);
  });

  it("when a city admin resets an officer's password while a province admin makes that officer a city admin, then the city admin never sets a peer admin's password", async () => {
    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    // The admin role is a privileged grant: the promotion is asked for and approved by a second
    // province admin (grant-approvals.ts), racing the city admin's reset.
    const approver = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    for (let round = 0; round < 5; round++) {
      const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
      const before = (await storedUser(officer.user.id))?.passwordHash as string;
      const [reset, promoted] = await Promise.all([
        cityAdmin.agent
          .patch(`/api/users/${officer.user.id}`)
          .send({ password: NEW_PASSWORD, expectedVersion: await versionOf(env.node, officer.user.id) }),
        provinceAdmin.agent
          .patch(`/api/users/${officer.user.id}`)
          .send({ roles: ["admin"], expectedVersion: await versionOf(env.node, officer.user.id) })
          .then(async (asked) =>
            asked.status === 200
              ? approver.agent
                  .patch(`/api/users/${officer.user.id}`)
                  .send({ grant: "approve", expectedVersion: await versionOf(env.node, officer.user.id) })
              : asked,
          ),
      ]);
      const stored = await storedUser(officer.user.id);
      const label = `round ${round}: reset ${reset.status}, promotion ${promoted.status}`;
      // Never both: a reset that landed (it waits, as an officer's) holds the promotion off, and a
      // promotion asked or approved first refuses the reset (grant waiting, account changed, peer).
      expect(reset.status === 200 && promoted.status === 200, label).to.equal(false);
      expect([reset.status, promoted.status], label).to.include(200);
      if (promoted.status === 200) {
        expect(stored?.roles, label).to.deep.equal(["admin"]);
        // The approval ended the password it had (grant-password-carry.test.ts): nobody's, not the reset's.
        expect([stored?.passwordHash === before, stored?.passwordUnusable], label).to.deep.equal([false, true]);
        expect(await verifyPassword(NEW_PASSWORD, String(stored?.passwordHash)), label).to.equal(false);
        expect(stored?.pendingGrant ?? null, label).to.equal(null);
      } else {
        expect(stored?.roles, label).to.deep.equal(["officer"]);
        expect([409], label).to.include(promoted.status);
      }
    }
  });
});
