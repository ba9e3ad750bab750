import { expect } from "chai";
import { Types } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createAuthService, verifyPassword } from "../../../server/auth/index.js";
import { staffLockoutKeys } from "../../../server/auth/login-throttle.js";
import { createStaff, loginStaff, newUserBody } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { versionOf } from "./grant-helpers.js";

type Refusal = { code?: string; status?: number; message?: string } | null;
const refusalOf = (p: Promise<unknown>): Promise<Refusal> =>
  p.then(
    () => null,
    (err: unknown) => err as Refusal,
  );
const answer = (r: Refusal) => [r?.status, r?.code, r?.message];
const BUSY = [503, "login_busy", "登录请求过多，请稍后重试"];
/** The password the logins filling the bound try: their check waits until the test frees it. */
const FILLER = "filler-password-1";

/**
 * Every scrypt on a request, not only a login's, runs under the node's bound on password checks at
 * once (password-gate.ts, LOGIN_PASSWORD_CHECKS_MAX): a burst of password changes, resets or new
 * accounts was scrypt work without bound. Past the bound each is refused as a busy login is, before
 * anything is counted or written.
 */
describe("password work on requests: the login's bound on password checks at once", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  /** An auth service of two places, and a way to fill both with logins whose check waits. */
  function boundedAuth() {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = 0;
    const auth = createAuthService(env.node.ctx.conn, {
      provinceCode: env.node.ctx.config.provinceCode,
      candidates: {
        findTicket: () => Promise.resolve(null),
        findLoginSeat: () => Promise.resolve(null),
        testCentreDivision: () => Promise.resolve(null),
        sittingUntil: () => Promise.resolve(null),
      },
      maxPasswordChecks: 2,
      verifyPassword: async (password, stored) => {
        if (password !== FILLER) return verifyPassword(password, stored);
        holding++;
        await held;
        return false;
      },
    });
    let fillers: Promise<Refusal>[] = [];
    return {
      auth,
      /** Both places taken by logins checking their password. */
      async fill(): Promise<void> {
        fillers = [1, 2].map((i) =>
          refusalOf(auth.authenticateStaff(`nobody_${i}`, FILLER, { ip: `192.0.2.${i}` })),
        );
        while (holding < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      },
      /** The filling logins answered (refused as wrong passwords): the places are free again. */
      async free(): Promise<void> {
        release();
        expect((await Promise.all(fillers)).map((r) => r?.code)).to.deep.equal([
          "invalid_credentials",
          "invalid_credentials",
        ]);
      },
      close: () => auth.closeFailureSummaries(),
    };
  }

  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });
  const adminActor = async (): Promise<AuthUser> => {
    const admin = await createStaff(env.node, { roles: ["admin"] });
    return (await loginStaff(env.node, admin.username, admin.password)).user;
  };

  it("when the bound is full, then a password change is refused login_busy with the account untouched and no guess counted, and it is served once the bound frees", async () => {
    const staff = await createStaff(env.node, { roles: ["officer"] });
    const bounded = boundedAuth();
    const actor = await bounded.auth.staffById(staff.user.id);
    if (!actor) throw new Error("staff account not found");
    const before = await stored(staff.user.id);
    await bounded.fill();

    const busy = await refusalOf(
      bounded.auth.changeOwnPassword(actor, staff.password, "Another-Passw0rd-2026", undefined, {
        ip: "192.0.2.9",
      }),
    );
    expect(answer(busy)).to.deep.equal(BUSY);
    const during = await stored(staff.user.id);
    expect([during?.passwordHash, during?.credEpoch]).to.deep.equal([
      before?.passwordHash,
      before?.credEpoch,
    ]);
    const keys = staffLockoutKeys(staff.username, "192.0.2.9");
    const throttle = env.node.ctx.conn.collection("login_throttle");
    expect(await throttle.countDocuments({ key: { $in: [keys.name, keys.source] } })).to.equal(0);

    await bounded.free();
    await bounded.auth.changeOwnPassword(actor, staff.password, "Another-Passw0rd-2026", undefined, {
      ip: "192.0.2.9",
    });
    const after = await stored(staff.user.id);
    expect(await verifyPassword("Another-Passw0rd-2026", String(after?.passwordHash))).to.equal(true);
    await bounded.close();
  });

  it("when the bound is full, then an admin's password reset is refused login_busy and the account keeps its password, and it is served once the bound frees", async () => {
    const staff = await createStaff(env.node, { roles: ["officer"] });
    const actor = await adminActor();
    const bounded = boundedAuth();
    const before = await stored(staff.user.id);
    await bounded.fill();

    const reset = async () =>
      bounded.auth.updateUser(actor, staff.user.id, {
        password: "Reset-Passw0rd-2026",
        expectedVersion: await versionOf(env.node, staff.user.id),
      });
    expect(answer(await refusalOf(reset()))).to.deep.equal(BUSY);
    const during = await stored(staff.user.id);
    expect([during?.passwordHash, during?.version, during?.pendingGrant ?? null]).to.deep.equal([
      before?.passwordHash,
      before?.version,
      null,
    ]);

    await bounded.free();
    const { changes } = await reset();
    expect(changes.passwordReset).to.equal(true);
    expect((await stored(staff.user.id))?.passwordHash).to.not.equal(before?.passwordHash);
    await bounded.close();
  });

  it("when the bound is full, then an admin creating an account is refused login_busy and no account is made, and it is made once the bound frees", async () => {
    const actor = await adminActor();
    const bounded = boundedAuth();
    const body = newUserBody({ roles: ["officer"], divisionCode: actor.divisionCode });
    await bounded.fill();

    expect(answer(await refusalOf(bounded.auth.createUser(actor, body)))).to.deep.equal(BUSY);
    const accounts = env.node.ctx.conn.collection("staff_users");
    expect(await accounts.countDocuments({ username: body.username })).to.equal(0);

    await bounded.free();
    await bounded.auth.createUser(actor, body);
    expect(await accounts.countDocuments({ username: body.username })).to.equal(1);
    await bounded.close();
  });

  it("when the bound is full, then approving a grant that ends the account's password is refused login_busy and the grant still waits, and it is approved once the bound frees", async () => {
    const staff = await createStaff(env.node, { roles: ["officer"] });
    const requester = await adminActor();
    const approver = await adminActor();
    const bounded = boundedAuth();
    const asked = await bounded.auth.updateUser(requester, staff.user.id, {
      roles: ["officer", "examiner"],
      expectedVersion: await versionOf(env.node, staff.user.id),
    });
    expect(asked.user.pendingGrant?.roles).to.deep.equal(["examiner"]);
    const before = await stored(staff.user.id);
    await bounded.fill();

    const approve = async () =>
      bounded.auth.updateUser(approver, staff.user.id, {
        grant: "approve",
        expectedVersion: await versionOf(env.node, staff.user.id),
      });
    expect(answer(await refusalOf(approve()))).to.deep.equal(BUSY);
    const during = await stored(staff.user.id);
    expect([during?.passwordHash, during?.version, during?.roles]).to.deep.equal([
      before?.passwordHash,
      before?.version,
      ["officer"],
    ]);
    expect(during?.pendingGrant).to.not.equal(null);

    await bounded.free();
    const approved = await approve();
    expect([approved.user.roles, approved.user.pendingGrant]).to.deep.equal([["officer", "examiner"], null]);
    await bounded.close();
  });
});
