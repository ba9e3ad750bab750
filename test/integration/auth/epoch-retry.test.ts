import { expect } from "chai";
import { Types } from "mongoose";
import { createStaff, loginStaff, staffAgent } from "../../helpers/auth.js";
import { useTestNode, type TestNode } from "../../helpers/node.js";
import { staffUserModel } from "../../../server/auth/user.model.js";

const epochOf = async (node: TestNode, id: string): Promise<number> => {
  const stored = await node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  return Number(stored?.credEpoch ?? 0);
};

/**
 * Runs `work` with one write to account `id` committed inside the edit's transaction window, once:
 * just after the acting admin's hold (staff-accounts.ts holdActingAdmin), before the account's own
 * write, so that write meets a write conflict and the transaction is retried. Answers how many
 * times the hold ran (2: one retry).
 */
async function withOneConflict(
  node: TestNode,
  id: string,
  concurrent: Record<string, unknown>,
  work: () => Promise<unknown>,
): Promise<number> {
  const Users = staffUserModel(node.ctx.conn);
  // Model statics are inherited: the stand-in is an own property, deleted afterwards.
  const original = Reflect.get(Users, "updateOne") as (this: unknown, ...a: unknown[]) => Promise<unknown>;
  let holds = 0;
  Reflect.set(Users, "updateOne", async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    const filter = args[0] as { roles?: unknown } | undefined;
    if (filter?.roles === "admin") {
      holds += 1;
      if (holds === 1)
        await node.ctx.conn.collection("staff_users").updateOne({ _id: new Types.ObjectId(id) }, concurrent);
    }
    return result;
  });
  try {
    await work();
  } finally {
    Reflect.deleteProperty(Users, "updateOne");
  }
  return holds;
}

/**
 * The credential epoch's $inc rides on the account's save inside the edit's transaction: a retried
 * transaction must move the epoch by one from what the retry meets (another change's move
 * included), not write the value the first attempt computed.
 */
describe("staff accounts: the credential epoch across a retried edit", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  it("when an admin's password reset is retried after another change moved the epoch, then the epoch moves once past it and the old login ends", async () => {
    const { node } = env;
    const admin = await staffAgent(node, { roles: ["admin"] });
    const { user, username, password } = await createStaff(node, { roles: ["officer"] });
    const login = await loginStaff(node, username, password);
    const before = await epochOf(node, user.id);
    const holds = await withOneConflict(node, user.id, { $inc: { credEpoch: 1 } }, () =>
      admin.agent
        .patch(`/api/users/${user.id}`)
        .send({ password: "Reset-Passw0rd-2026", expectedVersion: user.version })
        .expect(200),
    );
    expect(holds).to.equal(2);
    expect(await epochOf(node, user.id)).to.equal(before + 2);
    expect((await login.agent.get("/api/auth/me")).status).to.equal(401);
  });

  it("when an admin's deactivation is retried after an unrelated write to the account, then the epoch moves by exactly one and the old login ends", async () => {
    const { node } = env;
    const admin = await staffAgent(node, { roles: ["admin"] });
    const { user, username, password } = await createStaff(node, { roles: ["officer"] });
    const login = await loginStaff(node, username, password);
    const before = await epochOf(node, user.id);
    const holds = await withOneConflict(node, user.id, { $set: { touchedAt: new Date() } }, () =>
      admin.agent
        .patch(`/api/users/${user.id}`)
        .send({ active: false, expectedVersion: user.version })
        .expect(200),
    );
    expect(holds).to.equal(2);
    expect(await epochOf(node, user.id)).to.equal(before + 1);
    expect((await login.agent.get("/api/auth/me")).status).to.equal(401);
  });
});
