/**
 * Staff account administration: an admin (or a seed script) creates, lists and edits staff
 * accounts under the rules of account-rules.ts. Kept apart from auth.service.ts, which keeps the
 * logins and the AuthUser they act as, so each reads in one file; the auth service hands these
 * operations out unchanged.
 */
import mongoose, { Types, type ClientSession, type Connection } from "mongoose";
import type { AuthUser, StaffRole } from "../contracts/auth.js";
import type {
  CreateUserBody,
  ListUsersQuery,
  StaffUserDto,
  StaffUserPageDto,
  UpdateUserBody,
} from "../contracts/staff-accounts.js";
import { HUB_STAFF_ROLES, PROVINCE_STAFF_ROLES } from "../contracts/auth.js";
import { VERSIONED_USER_FIELDS } from "../contracts/staff-accounts.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { canSeeDivision, divisionFilter } from "../access/index.js";
import { assertNodeDivision } from "../organisation/index.js";
import { assertNotCommon, newAccountHashes } from "./admin-passwords.js";
import {
  assertAdminBelowActor,
  assertMayEditAccount,
  assertMayReEnable,
  assertOwnRolesKept,
  assertRolesFitDivision,
  createProctorBindingCheck,
} from "./account-rules.js";
import type { CandidateLoginPort } from "./candidate-login.js";
import {
  adminPasswordReset,
  appendGrantRequest,
  assertNoGrantWaiting,
  assertNoPasswordWaiting,
  createGrantDecisions,
  privilegedOf,
  requestedGrant,
} from "./grant-approvals.js";
import type { LoginThrottle } from "./login-throttle.js";
import { holdAddedRoles } from "./role-replacement.js";
import type { PasswordGate } from "./password-gate.js";
import { endStaffLogins } from "./session.js";
import { staffUserModel } from "./user.model.js";

/** An edit made on the account as it was before another admin's change. */
const accountChanged = () => errors.conflict("account_changed", "该账号刚被其他管理员修改，请刷新后重试");

export type { StaffLean } from "./staff-user.presenter.js";
import { toDto, type StaffLean } from "./staff-user.presenter.js";

export interface StaffAccountsDeps {
  provinceCode: string | null;
  candidates: CandidateLoginPort;
  audit: AuditLog;
  /** The login lockouts: the list shows them, and an admin's unlock or password reset lifts them. */
  throttle: LoginThrottle;
  /** The logins' bound on scrypts at once (password-gate.ts): an admin's hashes take a place too. */
  passwordGate: PasswordGate;
}

/** Creating, listing and editing staff accounts (the auth service's user administration). */
export function createStaffAccounts(conn: Connection, deps: StaffAccountsDeps) {
  const Users = staffUserModel(conn);
  const { audit, throttle, passwordGate } = deps;
  const allowedRoles: readonly StaffRole[] = deps.provinceCode ? PROVINCE_STAFF_ROLES : HUB_STAFF_ROLES;

  function assertRolesAllowed(roles: readonly StaffRole[]): void {
    const bad = roles.filter((r) => !allowedRoles.includes(r));
    if (bad.length > 0) throw errors.badRequest("role_not_allowed", `本节点不能授予角色：${bad.join(", ")}`);
  }

  const assertProctorBinding = createProctorBindingCheck(deps.candidates);

  /**
   * The name of the centre a proctor leaves, for the audit page (an id was all a reader saw),
   * asked of the organisation through its port; a centre that is gone (or none) reads as null.
   * The centre they move to was just read by the binding check.
   */
  async function centreName(id: string | null): Promise<string | null> {
    return id === null ? null : ((await deps.candidates.testCentreDivision(id))?.name ?? null);
  }

  /**
   * Creates the account; with an acting admin, audited in the same transaction, and flagged to
   * change the password the admin chose at its first login.
   */
  async function insertUser(actor: AuthUser | null, body: CreateUserBody): Promise<StaffUserDto> {
    assertRolesAllowed(body.roles);
    assertRolesFitDivision(body);
    assertNotCommon(body.password);
    const centre = await assertProctorBinding(actor, body);
    // A privileged account an admin makes waits for a second admin (grant-approvals.ts): until
    // then its password is not the one the admin chose. Seeded accounts (no actor) do not wait.
    const privileged = actor ? privilegedOf(body.roles) : [];
    const { passwordHash, unusable } = await newAccountHashes(passwordGate, body.password, {
      seeded: actor === null,
      waits: privileged.length > 0,
    });
    const grant =
      actor && privileged.length > 0
        ? requestedGrant(actor, {
            newAccount: true,
            roles: privileged,
            passwordHash,
            askedOn: { roles: body.roles, divisionCode: body.divisionCode },
          })
        : null;
    const fields = {
      username: body.username.toLowerCase(),
      displayName: body.displayName,
      passwordHash: unusable ?? passwordHash,
      passwordUnusable: grant !== null,
      pendingGrant: grant,
      roles: body.roles,
      divisionCode: body.divisionCode,
      // The centre's own id when it was looked up (access compares it as text with sessions').
      testCentreId: centre?.id ?? body.testCentreId ?? null,
      mustChangePassword: actor !== null,
    };
    if (!actor) return toDto((await Users.create(fields)).toObject() as StaffLean);
    const doc = await audit.transaction(async (session) => {
      // As at an edit (see holdActingAdmin): the admin read at the request's start may have been
      // deactivated or demoted while the password hashed.
      await holdActingAdmin(actor, session);
      const [created] = await Users.create([fields], { session });
      if (!created) throw new Error("user not written");
      await audit.append(session, {
        action: "user.created",
        actor,
        divisionCode: created.divisionCode,
        target: { type: "user", id: String(created._id) },
        details: {
          username: created.username,
          roles: [...created.roles],
          testCentreId: created.testCentreId ?? null,
        },
      });
      if (grant) await appendGrantRequest(audit, session, actor, created);
      return created;
    });
    return toDto(doc.toObject() as StaffLean);
  }

  /** The account `actor` may edit with `body`: in their scope, and within the rules of account-rules.ts. */
  async function loadEditable(actor: AuthUser, id: string, body: UpdateUserBody) {
    if (!Types.ObjectId.isValid(id)) throw errors.notFound("用户");
    const user = await Users.findById(id);
    if (!user || !canSeeDivision(actor.divisionCode, user.divisionCode)) throw errors.notFound("用户");
    assertMayEditAccount(
      actor,
      { id: String(user._id), roles: user.roles, divisionCode: user.divisionCode },
      body,
    );
    return user;
  }

  /**
   * The acting admin is checked again inside the edit's transaction, and written there: the access
   * check at the request's start is not enough when two admins deactivate each other at the same
   * moment (each was active when its request began, and both edits landed, leaving no active
   * admin). The write (a touch of the admin's own document) makes two such transactions conflict,
   * across instances too, so the one retried sees its admin deactivated and is refused.
   */
  async function holdActingAdmin(actor: AuthUser, session: ClientSession): Promise<void> {
    const held = Types.ObjectId.isValid(actor.id)
      ? await Users.updateOne(
          { _id: actor.id, active: { $ne: false }, roles: "admin", divisionCode: actor.divisionCode },
          { $set: { updatedAt: new Date() } },
          { session, timestamps: false },
        )
      : null;
    if (held?.matchedCount !== 1)
      throw errors.forbidden("您的管理员账号已被停用或变更，本次修改未执行", "actor_not_admin");
  }

  const grants = createGrantDecisions(conn, {
    audit,
    holdActingAdmin,
    assertRolesAllowed,
    toDto,
    passwordGate,
  });

  /** Creates a staff user without an acting admin (seed scripts, test helpers, first admin). */
  function bootstrapUser(body: CreateUserBody): Promise<StaffUserDto> {
    return insertUser(null, body);
  }

  /** An admin creates a staff user inside their own division scope. */
  function createUser(actor: AuthUser, body: CreateUserBody): Promise<StaffUserDto> {
    assertNodeDivision(actor, body.divisionCode, deps.provinceCode, "工作人员");
    assertAdminBelowActor(actor, body);
    return insertUser(actor, body);
  }

  /**
   * One page of the accounts in the actor's scope (a province holds thousands: the whole list was
   * read, and each one's lock asked, at every page load), or of those whose grant waits.
   */
  async function listUsers(actor: AuthUser, query: ListUsersQuery): Promise<StaffUserPageDto> {
    const filter = {
      ...divisionFilter(actor.divisionCode),
      ...(query.grants === "waiting" ? { pendingGrant: { $ne: null } } : {}),
    };
    const [rows, total] = await Promise.all([
      Users.find(filter)
        .sort({ divisionCode: 1, username: 1 })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean() as Promise<StaffLean[]>,
      Users.countDocuments(filter),
    ]);
    // The list is where an admin looks for a locked account to unlock: it shows each lock in effect.
    const locks = await throttle.locksOf(rows.map((u) => `staff:${u.username}`));
    const users = rows.map((u) => toDto(u, locks.get(`staff:${u.username}`) ?? null));
    return { users, total, page: query.page, pageSize: query.pageSize };
  }

  /** Updates a user in the actor's scope; returns the DTO and what changed (for the audit log). */
  async function updateUser(
    actor: AuthUser,
    id: string,
    body: UpdateUserBody,
  ): Promise<{ user: StaffUserDto; changes: Record<string, unknown> }> {
    // Without the version, an edit of another admin's fresh change overwrote it unseen.
    if (body.expectedVersion === undefined && VERSIONED_USER_FIELDS.some((k) => body[k] !== undefined))
      throw errors.badRequest(
        "expected_version_required",
        "修改账号的角色、行政区划、考点、状态、密码或审批授权时须附带账号版本，请刷新页面后重试",
      );
    if (body.grant !== undefined) {
      if (Object.entries(body).some(([k, v]) => k !== "grant" && k !== "expectedVersion" && v !== undefined))
        throw errors.badRequest("grant_decision_alone", "批准或驳回授权时不能同时修改账号的其他内容");
      return grants.decideGrant(actor, id, body.grant, body.expectedVersion);
    }
    const user = await loadEditable(actor, id, body);
    const account = {
      id: String(user._id),
      roles: [...user.roles],
      divisionCode: user.divisionCode,
      testCentreId: user.testCentreId ?? null,
    };
    const version = user.version ?? 0;
    // An edit made on an account another admin has changed since would undo that change unseen.
    if (body.expectedVersion !== undefined && body.expectedVersion !== version) throw accountChanged();
    // The write lands only on the account as it was read (the rules above judged it, the changes
    // below are against it): a role or division given meanwhile (a higher admin making it a peer
    // admin of the actor), or any other admin's change, refuses this edit instead.
    // A reset holds on the password read too: the owner's own change does not move the version,
    // and the previous password kept for a rejection would be one they had already replaced.
    user.$where = {
      roles: account.roles,
      divisionCode: account.divisionCode,
      version: version === 0 ? { $in: [0, null] } : version,
      ...(body.password !== undefined ? { passwordHash: user.passwordHash } : {}),
    };
    const changes: Record<string, unknown> = {};
    const self = account.id === actor.id;
    if (body.displayName !== undefined && body.displayName !== user.displayName) {
      changes.displayName = { from: user.displayName, to: body.displayName };
      user.displayName = body.displayName;
    }
    if (body.divisionCode !== undefined && body.divisionCode !== user.divisionCode) {
      assertNodeDivision(actor, body.divisionCode, deps.provinceCode, "工作人员");
      changes.divisionCode = { from: user.divisionCode, to: body.divisionCode };
      user.divisionCode = body.divisionCode;
    }
    // The edit dialog sends every field: only a real change is one (an unchanged role list
    // audited as a role change and closed the user's live sockets at every name fix).
    if (body.roles !== undefined && [...body.roles].sort().join() !== [...user.roles].sort().join()) {
      assertRolesAllowed(body.roles);
      assertOwnRolesKept(actor, account);
      changes.roles = { from: [...user.roles], to: body.roles };
      user.roles = body.roles;
    }
    if (body.testCentreId !== undefined && body.testCentreId !== (user.testCentreId ?? null)) {
      changes.testCentreId = { from: user.testCentreId ?? null, to: body.testCentreId };
      user.testCentreId = body.testCentreId;
    }
    if (changes.roles || changes.divisionCode) {
      assertAdminBelowActor(actor, user);
      assertRolesFitDivision(user);
    }
    // The binding is asked only when what it depends on changes: re-asking it at every edit
    // refused to deactivate a proctor whose centre the acting admin does not see.
    let binding: { id: string; name: string } | null = null;
    if (changes.roles || changes.testCentreId || changes.divisionCode) {
      binding = await assertProctorBinding(actor, {
        roles: user.roles as StaffRole[],
        divisionCode: user.divisionCode,
        testCentreId: user.testCentreId,
      });
      if (binding && binding.id !== user.testCentreId) user.testCentreId = binding.id;
    }
    const { added, replacement } = holdAddedRoles(user, account, changes);
    // Re-enabling an account gives back every privileged role it held, as a grant would (one admin
    // re-opened a reviewer a higher admin had closed, or one whose password they knew): it stays
    // disabled, those roles kept, until a second admin approves. Opening it at once without them
    // left it active with no roles if rejected, its old password working meanwhile.
    let reEnableWaits = false;
    if (body.active !== undefined && body.active !== (user.active !== false)) {
      if (self && !body.active) throw errors.conflict("cannot_deactivate_self", "不能停用自己的账号");
      if (body.active) assertMayReEnable(actor, user.deactivatedBy);
      reEnableWaits = body.active && privilegedOf(user.roles).some((r) => account.roles.includes(r));
      if (!reEnableWaits) {
        changes.active = body.active;
        user.active = body.active;
        user.set("deactivatedBy", body.active ? null : { id: actor.id, divisionCode: actor.divisionCode });
      }
    }
    const grantRoles = reEnableWaits ? [...new Set([...privilegedOf(user.roles), ...added])] : added;
    let grantPassword: string | null = null;
    let previousPassword = null;
    let placeholderHash: string | null = null;
    if (body.password !== undefined) {
      assertNotCommon(body.password);
      assertNoPasswordWaiting(user);
      // The admin would know a privileged account's password: it works once a second admin
      // approves; the old one ends now all the same (below). Roles still waiting count: the grant
      // would make the account privileged. The admin knows it: the owner must change it first.
      const waiting = user.pendingGrant?.roles ?? [];
      const { password } = body;
      const privileged = privilegedOf([...account.roles, ...grantRoles, ...waiting]).length > 0;
      const reset = await passwordGate.run(() =>
        adminPasswordReset(user, password, privileged, body.compromised === true),
      );
      user.set(reset.set);
      ({ grantPassword, previousPassword } = reset);
      if (grantPassword) placeholderHash = reset.set.passwordHash;
      changes.passwordReset = true;
      if (body.compromised) changes.compromised = true;
    }
    const grant =
      grantRoles.length > 0 || grantPassword
        ? requestedGrant(actor, {
            roles: grantRoles,
            passwordHash: grantPassword,
            previousPassword,
            compromised: grantPassword !== null && body.compromised === true,
            placeholderHash,
            reEnable: reEnableWaits,
            // The replacement the approval makes (see roleChange in user.model.ts).
            roleChange: replacement && {
              from: account.roles,
              to: replacement.to,
              testCentreId: account.testCentreId,
              kept: true,
              toTestCentreId: replacement.toTestCentreId,
            },
            askedOn: { roles: user.roles, divisionCode: user.divisionCode },
          })
        : null;
    if (grant) {
      assertNoGrantWaiting(user);
      // Audited in its own entry (user.grant_requested), beside this edit's.
      user.set("pendingGrant", grant);
    }
    const endsLogins = Boolean(changes.passwordReset) || changes.active === false;
    // Logins checked against the password (or the account) before this change end too, even one
    // whose session is written after the deletion below (see user.model.ts credEpoch): the epoch
    // moves in the change's own write, as an $inc (not the value read above: an owner's change
    // committed since the read moved it too, and this one must move it past that).
    if (endsLogins) user.$inc("credEpoch", 1);
    if (Object.keys(changes).length > 0 || grant) user.$inc("version", 1);
    const unlock = body.password !== undefined || Boolean(body.unlock);
    if (unlock) changes.unlocked = true;
    // Asked before the transaction: the port reads outside it, and not again on each retry.
    if (changes.testCentreId) {
      const { from, to } = changes.testCentreId as { from: string | null; to: string | null };
      changes.testCentreName = {
        from: await centreName(from),
        to: binding?.id === to ? binding.name : await centreName(to),
      };
    }
    await audit.transaction(async (session) => {
      await holdActingAdmin(actor, session);
      await user.save({ session }).catch((err: unknown) => {
        throw err instanceof mongoose.Error.DocumentNotFoundError ? accountChanged() : err;
      });
      if (endsLogins) await endStaffLogins(conn, session, String(user._id));
      // A grant asked for alone (a role that waits) is the grant_requested entry's only.
      if (Object.keys(changes).length > 0 || !grant)
        await audit.append(session, {
          action: changes.roles ? "user.roles_changed" : "user.updated",
          actor,
          divisionCode: user.divisionCode,
          target: { type: "user", id: String(user._id) },
          details: changes,
        });
      if (grant) await appendGrantRequest(audit, session, actor, user);
    });
    if (unlock) await throttle.reset(`staff:${user.username}`);
    return { user: toDto(user.toObject() as StaffLean), changes };
  }

  return { bootstrapUser, createUser, listUsers, updateUser };
}
