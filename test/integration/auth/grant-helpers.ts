import { Types } from "mongoose";
import type { RunningNode } from "../../../server/main.js";
import { loginStaff, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * The account's version as stored now: what an edit of its roles, division, centre, status or
 * password names as `expectedVersion` (expected_version_required), for tests whose subject is not
 * the stale-edit refusal (stale-account-edit.test.ts has that).
 */
export async function versionOf(node: RunningNode, id: string): Promise<number> {
  const account = await node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  return (account?.version as number | undefined) ?? 0;
}

/**
 * Approves the privileged grant waiting on account `id` (grant-approvals.ts) as a second admin made
 * for it at `divisionCode` (default the node's top division): for tests whose subject is not the
 * four-eyes rule but that reset or grant a privileged account's password or roles.
 */
export async function approveGrant(node: RunningNode, id: string, divisionCode?: string): Promise<void> {
  const approver = await staffAgent(node, {
    roles: ["admin"],
    ...(divisionCode ? { divisionCode } : {}),
  });
  const res = await approver.agent
    .patch(`/api/users/${id}`)
    .send({ grant: "approve", expectedVersion: await versionOf(node, id) });
  if (res.status !== 200) throw new Error(`grant not approved: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * The node the grant suites share (its login rate limit lifted: they log in again and again), and
 * what they ask of it: an account as stored, whether a password logs in, and an edit of an account
 * (`PATCH /api/users/:id`) naming its current version.
 */
export function useGrantNode() {
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  return {
    env,
    stored: (id: string) =>
      env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) }),
    logsIn: (username: string, password: string) =>
      loginStaff(env.node, username, password).then(
        () => true,
        () => false,
      ),
    editUser: async (agent: AuthedAgent["agent"], id: string, body: Record<string, unknown>) =>
      agent.patch(`/api/users/${id}`).send({ ...body, expectedVersion: await versionOf(env.node, id) }),
  };
}
