import { expect } from "chai";
import { Types } from "mongoose";
import { createAuthService } from "../../../server/auth/auth.service.js";
import { createTestRoom, newUserBody, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * An account is created by an admin who is still one when it is written: the access check at the
 * request's start read the admin before the password was hashed, and an admin deactivated or
 * demoted meanwhile still created the account. The service is called with the actor as the
 * request read it, after the other admin's change: the interleaving, made deterministic.
 */
describe("staff administration: an account is created only by a still active admin", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const auth = () =>
    createAuthService(env.node.ctx.conn, {
      provinceCode: env.node.ctx.config.provinceCode,
      candidates: {} as never,
    });

  // Demoted to a proctor, a role that takes effect at once: a privileged one (officer) would wait
  // for a second admin's approval, and the test would lean on how a partly pending edit splits.
  for (const [what, change] of [
    ["deactivated", async () => ({ active: false })],
    [
      "demoted",
      async () => ({ roles: ["proctor"], testCentreId: (await createTestRoom(env.node)).testCentreId }),
    ],
  ] as const) {
    it(`when an admin is ${what} after their create request passed its access check, then the account is not created`, async () => {
      const actor = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
      const higher = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
      await higher.agent
        .patch(`/api/users/${actor.staff.id}`)
        .send({ ...(await change()), expectedVersion: actor.staff.version })
        .expect(200);
      const demoted = await env.node.ctx.conn
        .collection("staff_users")
        .findOne({ _id: new Types.ObjectId(actor.staff.id) });
      // The change took effect (nothing of it waits for approval) before the create is tried.
      expect(demoted?.pendingGrant ?? null).to.equal(null);
      const body = newUserBody({ roles: ["officer"], divisionCode: "320100" });
      const refused = await auth()
        .createUser(actor.user, body)
        .then(
          () => null,
          (err: unknown) => err as { code?: string; status?: number },
        );
      expect([refused?.status, refused?.code]).to.deep.equal([403, "actor_not_admin"]);
      expect(
        await env.node.ctx.conn.collection("staff_users").countDocuments({ username: body.username }),
      ).to.equal(0);
    });
  }
});
