import { expect } from "chai";
import { Types } from "mongoose";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, staffAgent, TEST_PASSWORD } from "../../helpers/auth.js";
import { createTestRoom } from "../../helpers/candidates.js";
import { hashPassword } from "../../../server/auth/password.js";
import { useGrantNode } from "./grant-helpers.js";

const RESET = "Reset-Passw0rd-2026";
const PLAIN = "Plain-Passw0rd-2026";

/**
 * What a rejected or withdrawn grant leaves: the account as it was before the request (a re-enable
 * left it active with its privileged roles gone and its old password working; a role replacement,
 * in grant-replacement.test.ts, left it with none), and a rejected reset never puts back a password
 * already replaced since.
 */
describe("staff administration: what a rejected or withdrawn grant leaves", function () {
  this.timeout(60_000);
  const { env, stored, logsIn, editUser: patch } = useGrantNode();
  const audited = (action: string, id: string) =>
    env.node.ctx.conn.collection("audit_log").findOne({ action, "target.id": id });

  async function aDisabledOfficer() {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    await patch(a.agent, officer.user.id, { active: false }).then((r) => expect(r.status).to.equal(200));
    return { a, b, officer };
  }

  it("when an admin re-enables an officer, then it stays disabled with its role until a second admin approves, and its old password does not log in meanwhile", async () => {
    const { a, b, officer } = await aDisabledOfficer();
    const on = await patch(a.agent, officer.user.id, { active: true });
    expect(on.status).to.equal(200);
    const waiting = on.body.user as StaffUserDto;
    expect([
      waiting.active,
      waiting.roles,
      waiting.pendingGrant?.roles,
      waiting.pendingGrant?.reEnables,
    ]).to.deep.equal([false, ["officer"], ["officer"], true]);
    expect(await logsIn(officer.username, officer.password)).to.equal(false);
    await patch(b.agent, officer.user.id, { grant: "approve" }).then((r) => expect(r.status).to.equal(200));
    const account = await stored(officer.user.id);
    expect([
      account?.active,
      account?.roles,
      account?.deactivatedBy,
      account?.passwordUnusable,
    ]).to.deep.equal([true, ["officer"], null, true]);
  });

  for (const [who, decider] of [
    ["a second admin rejects", "b"],
    ["the requester withdraws", "a"],
  ] as const) {
    it(`when ${who} the re-enabling of an officer, then the account stays disabled with its officer role`, async () => {
      const agents = await aDisabledOfficer();
      await patch(agents.a.agent, agents.officer.user.id, { active: true }).then((r) =>
        expect(r.status).to.equal(200),
      );
      const res = await patch(agents[decider].agent, agents.officer.user.id, { grant: "reject" });
      expect(res.status).to.equal(200);
      const account = await stored(agents.officer.user.id);
      expect([account?.active, account?.roles, account?.pendingGrant]).to.deep.equal([
        false,
        ["officer"],
        null,
      ]);
      expect(await logsIn(agents.officer.username, agents.officer.password)).to.equal(false);
    });
  }

  it("when a privileged reset waits, its role is removed and a plain reset is asked, then the reset is refused with reset_pending", async () => {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const room = await createTestRoom(env.node, { seats: 1, divisionCode: "320100" });
    const target = await createStaff(env.node, {
      roles: ["proctor", "officer"],
      divisionCode: "320100",
      testCentreId: room.testCentreId,
    });
    await patch(a.agent, target.user.id, { password: RESET }).then((r) => expect(r.status).to.equal(200));
    await patch(a.agent, target.user.id, { roles: ["proctor"] }).then((r) => expect(r.status).to.equal(200));
    const res = await patch(a.agent, target.user.id, { password: PLAIN });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "reset_pending"]);
    expect(await logsIn(target.username, PLAIN)).to.equal(false);
  });

  it("when the password a reset set is no longer the account's at its rejection, then the current one is kept, not the one before the reset, and the audit says so", async () => {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    await patch(a.agent, target.user.id, { password: RESET }).then((r) => expect(r.status).to.equal(200));
    // Another write of the password landed after the reset's (its hash is no longer the placeholder).
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne(
        { _id: new Types.ObjectId(target.user.id) },
        { $set: { passwordHash: await hashPassword(PLAIN), passwordUnusable: false } },
      );
    await patch(b.agent, target.user.id, { grant: "reject" }).then((r) => expect(r.status).to.equal(200));
    expect([
      await logsIn(target.username, TEST_PASSWORD),
      await logsIn(target.username, PLAIN),
    ]).to.deep.equal([false, true]);
    const entry = await audited("user.grant_rejected", target.user.id);
    expect([entry?.details?.passwordRestored, entry?.details?.currentPasswordKept]).to.deep.equal([
      false,
      true,
    ]);
  });

  it("when a reset is marked compromised, then its grant says so; a grant stored without the mark or a previous password does not", async () => {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    const reset = await patch(a.agent, target.user.id, { password: RESET, compromised: true });
    expect((reset.body.user as StaffUserDto).pendingGrant?.compromised).to.equal(true);
    // As a grant made before previous passwords were kept is stored: neither field.
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne(
        { _id: new Types.ObjectId(target.user.id) },
        { $unset: { "pendingGrant.compromised": "", "pendingGrant.previousPassword": "" } },
      );
    const listed = (await a.agent.get("/api/users?grants=waiting&pageSize=200").expect(200)).body
      .users as StaffUserDto[];
    const grant = listed.find((u) => u.id === target.user.id)?.pendingGrant;
    expect([grant?.compromised, grant?.restoresPassword]).to.deep.equal([false, false]);
  });
});
