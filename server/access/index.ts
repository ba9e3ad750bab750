/**
 * Access (访问控制): the one place that decides who may do what.
 *
 * Glossary: an *action* (`session:release`-style names, listed with their policies in
 * `policies.ts`) is what an actor asks to do; a *policy* names the roles that may try it and, for
 * session actions, the *relation* the actor must have to the session (officer of its division,
 * proctor of its test centre); the *live account* is the account re-read at the moment of the
 * action, never the roles cached in a login session or a socket. *Division scope* (GB/T 2260:
 * ministry > province > city > county) is `canSeeDivision` / `divisionFilter`, written here once.
 *
 * Routes guard with `access.route(action)`; socket handlers and services call
 * `await access.assert(actor, action, { sessionId })`, or `decide(live, action, session)` when
 * they already hold the live account and the session. This module imports no feature: the live
 * account and session scope reach it through `AccessPorts`, wired in server/features.ts.
 */
export {
  actorOf,
  can,
  createAccess,
  currentUser,
  decide,
  type Access,
  type AccessPorts,
  type Resource,
  type SessionScope,
} from "./access.js";
export {
  canSeeDivision,
  cityOf,
  divisionFilter,
  divisionLevel,
  MINISTRY_CODE,
  provinceOf,
  type DivisionLevel,
} from "./division-scope.js";
export { POLICIES, type Action } from "./policies.js";
