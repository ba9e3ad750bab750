import { expect } from "chai";
import { createAuthService } from "../../../server/auth/auth.service.js";
import { auditEntryModel } from "../../../server/audit/audit.model.js";
import { createStaff, connectSocket, loginStaff, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { approveGrant, versionOf } from "./grant-helpers.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** Resolves with the reason when the server closes the socket; "still open" after `ms`. */
function closedWithin(socket: TestSocket, ms = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("still open"), ms);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/**
 * What a password change, a reset or a deactivation does to logins already made: the account is
 * re-read on every request, the password is not, so the logins themselves have to end.
 */
describe("staff accounts: logins end with the password that made them", function () {
  this.timeout(60_000);
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a staff member changes their password, then their other logins and sockets end and this login stays", async () => {
    const { username, password } = await createStaff(node, { roles: ["officer"] });
    const here = await loginStaff(node, username, password);
    const elsewhere = await loginStaff(node, username, password);
    const socket = await connectSocket(node, elsewhere);
    try {
      const closed = closedWithin(socket);
      await here.agent
        .post("/api/auth/password")
        .send({ currentPassword: password, newPassword: "Another-Passw0rd-2026" })
        .expect(204);
      expect(await closed).to.equal("io server disconnect");
      expect((await elsewhere.agent.get("/api/auth/me")).status).to.equal(401);
      await here.agent.get("/api/auth/me").expect(200);
      await loginStaff(node, username, "Another-Passw0rd-2026");
    } finally {
      socket.close();
    }
  });

  it("when an admin resets a password or deactivates an account and activates it again, then no earlier login comes back", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const { user, username, password } = await createStaff(node, { roles: ["officer"] });
    const before = await loginStaff(node, username, password);
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ active: false, expectedVersion: await versionOf(node, user.id) })
      .expect(200);
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ active: true, expectedVersion: await versionOf(node, user.id) })
      .expect(200);
    expect((await before.agent.get("/api/auth/me")).status).to.equal(401);
    // Re-enabled, an officer's role waits for a second admin (re-enable-grant.test.ts), and its
    // approval ends the password it had: a reset (approved too) gives it one.
    await approveGrant(node, user.id);
    expect(
      await loginStaff(node, username, password).then(
        () => "in",
        () => "out",
      ),
    ).to.equal("out");
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: "First-Reset-2026-ok", expectedVersion: await versionOf(node, user.id) })
      .expect(200);
    await approveGrant(node, user.id);

    const again = await loginStaff(node, username, "First-Reset-2026-ok");
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: "Reset-Passw0rd-2026", expectedVersion: await versionOf(node, user.id) })
      .expect(200);
    expect((await again.agent.get("/api/auth/me")).status).to.equal(401);
    // An officer's reset waits for a second admin (grant-approval.test.ts).
    await approveGrant(node, user.id);
    await loginStaff(node, username, "Reset-Passw0rd-2026");
  });

  it("when the current password is guessed wrong five times, then the change is locked like the login", async () => {
    const { username, password } = await createStaff(node, { roles: ["officer"] });
    const session = await loginStaff(node, username, password);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await session.agent
            .post("/api/auth/password")
            .send({ currentPassword: `guess-${i}`, newPassword: "Another-Passw0rd-2026" })
        ).status,
      );
    expect(statuses).to.deep.equal([400, 400, 400, 400, 400, 423]);
    const right = await session.agent
      .post("/api/auth/password")
      .send({ currentPassword: password, newPassword: "Another-Passw0rd-2026" });
    expect(right.status).to.equal(423);
  });

  it("when an admin saves a user's name with the same roles and centre, then it is audited as an update and the user's socket stays open", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const officer = await staffAgent(node, { roles: ["officer"] });
    const socket = await connectSocket(node, officer);
    try {
      const closed = closedWithin(socket, 1_000);
      // What the edit dialog sends: every field, only the name changed.
      await admin.agent
        .patch(`/api/users/${officer.staff.id}`)
        .send({
          displayName: "改过名字的考务员",
          roles: ["officer"],
          divisionCode: officer.staff.divisionCode,
          testCentreId: null,
          expectedVersion: officer.staff.version,
        })
        .expect(200);
      expect(await closed).to.equal("still open");
      const entry = await auditEntryModel(node.ctx.conn)
        .findOne({ "target.id": officer.staff.id })
        .sort({ seq: -1 })
        .lean();
      expect(entry).to.deep.include({ action: "user.updated" });
      expect(entry?.details).to.not.have.property("roles");
    } finally {
      socket.close();
    }
  });

  it("when sixty wrong passwords for one name arrive at once, then at most five are checked and the rest are refused locked", async () => {
    const { username } = await createStaff(node, { roles: ["officer"] });
    let checked = 0;
    const auth = createAuthService(node.ctx.conn, {
      provinceCode: node.ctx.config.provinceCode,
      candidates: {} as never,
      // All sixty admitted at once: the lockout is the subject, not the bound on logins (login-busy.test.ts).
      maxPasswordChecks: 60,
      verifyPassword: async () => {
        checked++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return false;
      },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => auth.authenticateStaff(username, "a-guess")),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "ok"));
    expect(checked).to.be.at.most(5);
    expect(codes.filter((c) => c === "invalid_credentials")).to.have.length(checked);
    expect(codes.filter((c) => c === "account_locked")).to.have.length(60 - checked);
  });
});
