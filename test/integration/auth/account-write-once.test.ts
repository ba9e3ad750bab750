import { expect } from "chai";
import { Types } from "mongoose";
import { createStaff, loginStaff, staffAgent } from "../../helpers/auth.js";
import { useTestNode, type TestNode } from "../../helpers/node.js";

/** A write command as the driver reports it (the fields the count reads). */
interface Started {
  commandName: string;
  command: Record<string, unknown>;
}

/** The `_id` filters of a write command's statements (update, findAndModify). */
function idsWritten(e: Started): unknown[] {
  if (e.commandName === "update")
    return ((e.command.updates ?? []) as { q?: { _id?: unknown } }[]).map((u) => u.q?._id);
  if (e.commandName === "findAndModify") return [(e.command.query as { _id?: unknown } | undefined)?._id];
  return [];
}

/** The writes to staff account `id` made while `work` runs (the acting admin's own hold aside). */
async function accountWritesDuring(
  node: TestNode,
  id: string,
  work: () => Promise<unknown>,
): Promise<number> {
  const client = node.ctx.conn.getClient();
  let writes = 0;
  const listener = (e: Started) => {
    if (e.command[e.commandName] !== "staff_users") return;
    writes += idsWritten(e).filter((w) => String(w) === id).length;
  };
  client.on("commandStarted", listener);
  try {
    await work();
  } finally {
    client.off("commandStarted", listener);
  }
  return writes;
}

const epochOf = async (node: TestNode, id: string): Promise<number> => {
  const stored = await node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  return Number(stored?.credEpoch ?? 0);
};

/**
 * A reset or a deactivation moves the account's credential epoch (user.model.ts credEpoch) in the
 * same write that changes the account: one write of the account in the change's transaction.
 */
describe("staff accounts: a reset or deactivation writes the account once", function () {
  this.timeout(60_000);
  const env = useTestNode({ monitorCommands: true, env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  for (const [what, body] of [
    ["resets the password", { password: "Reset-Passw0rd-2026" }],
    ["deactivates the account", { active: false }],
  ] as const)
    it(`when an admin ${what}, then the account is written once, its credential epoch moves and its logins end`, async () => {
      const { node } = env;
      const admin = await staffAgent(node, { roles: ["admin"] });
      const { user, username, password } = await createStaff(node, { roles: ["officer"] });
      const login = await loginStaff(node, username, password);
      const before = await epochOf(node, user.id);
      const writes = await accountWritesDuring(node, user.id, () =>
        admin.agent
          .patch(`/api/users/${user.id}`)
          .send({ ...body, expectedVersion: user.version })
          .expect(200),
      );
      expect(writes).to.equal(1);
      expect(await epochOf(node, user.id)).to.equal(before + 1);
      expect((await login.agent.get("/api/auth/me")).status).to.equal(401);
    });
});
