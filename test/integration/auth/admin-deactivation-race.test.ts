import { expect } from "chai";
import { Types } from "mongoose";
import { createAuthService } from "../../../server/auth/auth.service.js";
import { staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { versionOf } from "./grant-helpers.js";

/**
 * Two province admins deactivating each other at the same moment: each request found its own admin
 * active when it began, so without a second look at the acting admin inside the write both
 * succeeded and the province was left without an active admin.
 */
describe("staff administration: an admin acts only while still an active admin", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const isActive = async (id: string) =>
    (await env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) }))?.active !==
    false;

  it("when an admin's edit reaches its write after another admin deactivated them, then the edit is refused and the other admin stays active", async () => {
    const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    // A's request has passed its access check (it acts as a.user, read then) when B deactivates A.
    await b.agent
      .patch(`/api/users/${a.staff.id}`)
      .send({ active: false, expectedVersion: await versionOf(env.node, a.staff.id) })
      .expect(200);
    const auth = createAuthService(env.node.ctx.conn, {
      provinceCode: env.node.ctx.config.provinceCode,
      candidates: {} as never,
    });
    const refused = await auth
      .updateUser(a.user, b.staff.id, { active: false, expectedVersion: b.staff.version })
      .then(
        () => null,
        (err: unknown) => err as { code?: string; status?: number },
      );
    expect([refused?.status, refused?.code]).to.deep.equal([403, "actor_not_admin"]);
    expect(await isActive(b.staff.id)).to.equal(true);
  });

  it("when two province admins deactivate each other at once, then one of them is refused and stays active", async () => {
    for (let round = 0; round < 3; round++) {
      const a = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
      const b = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
      const answers = await Promise.all([
        a.agent
          .patch(`/api/users/${b.staff.id}`)
          .send({ active: false, expectedVersion: await versionOf(env.node, b.staff.id) }),
        b.agent
          .patch(`/api/users/${a.staff.id}`)
          .send({ active: false, expectedVersion: await versionOf(env.node, a.staff.id) }),
      ]);
      // The one refused is refused at its write (403), or at its access check once the other committed (401).
      const [done, refused] = answers.map((r) => r.status).sort();
      expect(done, `round ${round}`).to.equal(200);
      expect([401, 403], `round ${round}`).to.include(refused);
      expect([await isActive(a.staff.id), await isActive(b.staff.id)].sort(), `round ${round}`).to.deep.equal(
        [false, true],
      );
    }
  });
});
