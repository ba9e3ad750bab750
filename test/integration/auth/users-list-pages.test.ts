import { expect } from "chai";
import type { StaffUserPageDto } from "../../../server/contracts/staff-accounts.js";
import { createStaff, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * The users list answered every account in the admin's scope at once (a province holds thousands),
 * asking each one's lock: it answers a page, with the total, and a page of the waiting grants.
 */
describe("staff administration: the users list in pages", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  it("when a county admin lists its accounts two at a time, then each page holds at most two in order and the total counts all", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320115" });
    for (let i = 0; i < 4; i++) await createStaff(env.node, { roles: ["officer"], divisionCode: "320115" });
    const pages: StaffUserPageDto[] = [];
    for (const page of [1, 2, 3])
      pages.push((await admin.agent.get("/api/users").query({ page, pageSize: 2 }).expect(200)).body);
    expect(pages.map((p) => [p.users.length, p.total, p.page, p.pageSize])).to.deep.equal([
      [2, 5, 1, 2],
      [2, 5, 2, 2],
      [1, 5, 3, 2],
    ]);
    const names = pages.flatMap((p) => p.users.map((u) => u.username));
    expect(names).to.deep.equal([...names].sort());
    expect(new Set(names).size).to.equal(5);
  });

  it("when an admin asks for more than the largest page, then it is refused and nothing is listed", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320116" });
    const res = await admin.agent.get("/api/users").query({ pageSize: 201 });
    expect(res.status).to.equal(400);
    expect(res.body.users).to.equal(undefined);
  });

  it("when an admin lists the waiting grants, then only the accounts whose grant waits are listed", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320200" });
    const waiting = await createStaff(env.node, { roles: ["officer"], divisionCode: "320211" });
    await createStaff(env.node, { roles: ["officer"], divisionCode: "320211" });
    await admin.agent
      .patch(`/api/users/${waiting.user.id}`)
      .send({ password: "Waiting-Passw0rd-2026", expectedVersion: waiting.user.version })
      .expect(200);
    const res = (await admin.agent.get("/api/users").query({ grants: "waiting" }).expect(200))
      .body as StaffUserPageDto;
    expect([res.total, res.users.map((u) => u.id)]).to.deep.equal([1, [waiting.user.id]]);
  });

  it("when an admin sends a role twice, then the edit is refused and the roles stay", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const res = await admin.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ roles: ["officer", "officer"], expectedVersion: target.user.version });
    expect(res.status).to.equal(400);
    expect(JSON.stringify(res.body.error)).to.include("角色不能重复");
  });
});
