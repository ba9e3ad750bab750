import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, staffAgent } from "../../helpers/auth.js";
import { createTestRoom } from "../../helpers/candidates.js";
import { useTestNode } from "../../helpers/node.js";
import { versionOf } from "./grant-helpers.js";

/**
 * An account a higher admin disabled is re-enabled only from that level or above: a city admin
 * re-opened a proctor the province had closed, and two city admins together (one re-enabling, the
 * other approving) restored an officer.
 */
describe("staff administration: re-enabling is for the disabling admin's level or above", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  const setActive = async (
    agent: Awaited<ReturnType<typeof staffAgent>>["agent"],
    id: string,
    active: boolean,
  ) => agent.patch(`/api/users/${id}`).send({ active, expectedVersion: await versionOf(env.node, id) });

  it("when a city admin re-enables a proctor a province admin disabled, then it is refused with reenable_below_deactivator and the proctor stays disabled", async () => {
    const province = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    expect((await setActive(province.agent, proctor.user.id, false)).status).to.equal(200);
    expect((await stored(proctor.user.id))?.deactivatedBy).to.deep.equal({
      id: province.staff.id,
      divisionCode: "320000",
    });
    const res = await setActive(city.agent, proctor.user.id, true);
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "reenable_below_deactivator"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    expect((await stored(proctor.user.id))?.active).to.equal(false);

    const on = await setActive(province.agent, proctor.user.id, true);
    expect([on.status, (on.body.user as StaffUserDto).active]).to.deep.equal([200, true]);
    expect((await stored(proctor.user.id))?.deactivatedBy).to.equal(null);
  });

  it("when two city admins try to restore an officer a province admin disabled, then the re-enabling is refused and nothing waits for the second", async () => {
    const province = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    expect((await setActive(province.agent, officer.user.id, false)).status).to.equal(200);
    const res = await setActive(city.agent, officer.user.id, true);
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "reenable_below_deactivator"]);
    const account = await stored(officer.user.id);
    expect([account?.active, account?.pendingGrant, account?.roles]).to.deep.equal([
      false,
      null,
      ["officer"],
    ]);
  });

  it("when an account disabled before the disabler was recorded is re-enabled, then a city admin is refused with reenable_deactivator_unknown and a province admin may", async () => {
    const province = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    // As such an account is stored: disabled, and no deactivatedBy field at all.
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne(
        { _id: new Types.ObjectId(proctor.user.id) },
        { $set: { active: false }, $unset: { deactivatedBy: "" } },
      );
    expect(await stored(proctor.user.id)).to.not.have.property("deactivatedBy");

    const res = await setActive(city.agent, proctor.user.id, true);
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "reenable_deactivator_unknown"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    expect((await stored(proctor.user.id))?.active).to.equal(false);

    const on = await setActive(province.agent, proctor.user.id, true);
    expect([on.status, (on.body.user as StaffUserDto).active]).to.deep.equal([200, true]);
  });

  it("when a city admin's re-enabling of such an officer was asked before the rule and waits, then another city admin's approval is refused and it stays disabled", async () => {
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320102" });
    await setActive(city.agent, officer.user.id, false).then((r) => expect(r.status).to.equal(200));
    await setActive(city.agent, officer.user.id, true).then((r) => expect(r.status).to.equal(200));
    // The disabler forgotten, as on an account disabled before it was recorded.
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne({ _id: new Types.ObjectId(officer.user.id) }, { $unset: { deactivatedBy: "" } });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const res = await other.agent
      .patch(`/api/users/${officer.user.id}`)
      .send({ grant: "approve", expectedVersion: await versionOf(env.node, officer.user.id) });
    expect([res.status, res.body.error?.code]).to.deep.equal([403, "reenable_deactivator_unknown"]);
    expect((await stored(officer.user.id))?.active).to.equal(false);
  });

  it("when a city admin re-enables a proctor the same city disabled, then it is active at once", async () => {
    const city = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const proctor = await createStaff(env.node, {
      roles: ["proctor"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    expect((await setActive(city.agent, proctor.user.id, false)).status).to.equal(200);
    expect((await setActive(other.agent, proctor.user.id, true)).status).to.equal(200);
    expect((await stored(proctor.user.id))?.active).to.equal(true);
  });
});
