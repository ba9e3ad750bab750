import type { RequestHandler } from "express";
import type { AuthUser } from "../contracts/auth.js";
import { DIVISION_LEVEL_LABELS } from "../contracts/organisation.js";
import { AppError, errors } from "../lib/errors.js";
import { canSeeDivision, divisionLevel, type DivisionLevel } from "./division-scope.js";
import { POLICIES, type Action, type Denial, type Policy, type SessionRelation } from "./policies.js";

/** The fields of an exam session that decide who may act on it. */
export interface SessionScope {
  divisionCode: string;
  testCentreId: string;
}

/** The resource an action is about: a session already loaded, or its id (loaded through the port). */
export type Resource = { session: SessionScope } | { sessionId: string } | undefined;

/** What the access layer reads, injected by the composition root so it imports no feature. */
export interface AccessPorts {
  /**
   * The account as it is NOW: staff re-read from the database (a deactivation or role change
   * applies to the next action, even on a socket opened before it), candidates as their login
   * session holds them. Null when the account is gone or inactive.
   */
  currentAccount(actor: AuthUser): Promise<AuthUser | null>;
  /** An exam session's scope by id, or null when there is none. */
  sessionScope(sessionId: string): Promise<SessionScope | null>;
}

/**
 * What an account whose password an admin set (a new account, a reset) may still do: look at
 * itself and change the password. The admin knows that password; until its owner replaces it,
 * whatever is done with it may not be the owner's doing.
 */
const WHILE_PASSWORD_CHANGE_REQUIRED: ReadonlySet<Action> = new Set<Action>([
  "account:self",
  "account:change-password",
]);

function holdsRole(actor: AuthUser, policy: Policy): boolean {
  return policy.roles === "*" || actor.roles.some((r) => (policy.roles as readonly string[]).includes(r));
}

function relates(actor: AuthUser, session: SessionScope, relation: SessionRelation): boolean {
  if (actor.kind !== "staff") return false;
  switch (relation) {
    case "officer_of_division":
      return actor.roles.includes("officer") && canSeeDivision(actor.divisionCode, session.divisionCode);
    case "proctor_of_centre":
      // An unbound proctor (which account creation refuses) gets nothing rather than everything.
      return (
        actor.roles.includes("proctor") && !!actor.testCentreId && actor.testCentreId === session.testCentreId
      );
  }
}

function denial(deny: Denial | undefined): AppError {
  if (deny?.kind === "not_found") return errors.notFound(deny.what, deny.code);
  return errors.forbidden(deny?.message);
}

/** The refusal of an account below the levels a province-wide tool is for; it names those levels. */
function levelRefusal(levels: readonly DivisionLevel[]): AppError {
  const allowed = levels.map((l) => DIVISION_LEVEL_LABELS[l]).join("、");
  return errors.forbidden(`该功能仅供${allowed}运管机构的账号使用，您的账号无权使用`, "province_level_only");
}

/**
 * The decision itself, on an account already read live: without a session, whether the actor
 * holds a role the action allows (403); then, for a province-wide action, whether the account's
 * division is at a level the policy names (403 `province_level_only`); with a session, whether the
 * actor relates to it as the action requires (refused the way the action's policy says, e.g. 404
 * for reads so a session outside one's scope looks like none). Pure, so a service holding the
 * live account (and the loaded session) asks it too.
 */
export function decide(live: AuthUser, action: Action, session?: SessionScope): void {
  if (live.mustChangePassword && !WHILE_PASSWORD_CHANGE_REQUIRED.has(action))
    throw new AppError(
      "password_change_required",
      403,
      "您的密码由管理员设置，请先在“修改密码”页面设置自己的新密码，再使用其他功能",
    );
  const policy: Policy = POLICIES[action];
  if (!session && !holdsRole(live, policy)) throw errors.forbidden();
  if (policy.levels && !policy.levels.includes(divisionLevel(live.divisionCode)))
    throw levelRefusal(policy.levels);
  if (!session) return;
  if (!policy.session?.some((rel) => relates(live, session, rel))) throw denial(policy.deny);
}

/** Whether `live` may do `action` (on the session, when given); never throws. */
export function can(live: AuthUser, action: Action, session?: SessionScope): boolean {
  try {
    decide(live, action, session);
    return true;
  } catch {
    return false;
  }
}

/**
 * The one access layer: `assert(actor, action, resource)` checks the live account, the action's
 * roles and, for session actions, the actor's relation to the session. Routes (through `route`)
 * and socket handlers ask the same question the same way.
 */
export function createAccess(ports: AccessPorts) {
  async function liveAccount(actor: AuthUser | null | undefined): Promise<AuthUser> {
    if (!actor) throw errors.unauthorized();
    const live = await ports.currentAccount(actor);
    if (!live) throw errors.unauthorized();
    return live;
  }

  async function sessionOf(resource: Resource): Promise<SessionScope> {
    if (!resource) throw new Error("a session action needs a session resource");
    if ("session" in resource) return resource.session;
    const scope = await ports.sessionScope(resource.sessionId);
    if (!scope) throw errors.notFound("考试场次", "session_not_found");
    return scope;
  }

  /** Throws the refusal unless `actor` may do `action`; resolves to the live account. */
  async function assert(
    actor: AuthUser | null | undefined,
    action: Action,
    resource?: Resource,
  ): Promise<AuthUser> {
    const live = await liveAccount(actor);
    if (!resource) decide(live, action);
    else if ("session" in resource) decide(live, action, resource.session);
    else {
      // Roles first, so someone without the role learns nothing about which sessions exist.
      decide(live, action);
      decide(live, action, await sessionOf(resource));
    }
    return live;
  }

  return {
    assert,

    /**
     * Route guard: 401 without a live account, 403 without a role the action allows. It puts the
     * live account on `req.user`, so handlers act as the account as it is now.
     */
    route(action: Action): RequestHandler {
      return (req, _res, next) => {
        assert(req.user as AuthUser | undefined, action).then(
          (live) => {
            req.user = live;
            next();
          },
          (err: unknown) => next(err),
        );
      };
    },
  };
}
export type Access = ReturnType<typeof createAccess>;

/** The acting account on a request that passed `access.route(...)`; throws 401 otherwise. */
export function actorOf(req: { user?: unknown }): AuthUser {
  const user = req.user as AuthUser | undefined;
  if (!user) throw errors.unauthorized();
  return user;
}

/** The account on a request, or null for an anonymous one (login, logout). */
export function currentUser(req: { user?: unknown }): AuthUser | null {
  return (req.user as AuthUser | undefined) ?? null;
}
