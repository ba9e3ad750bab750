import { createAccess, type Access, type SessionScope } from "../../server/access/index.js";

/**
 * An access layer for services built directly in tests, whose actors are plain objects with no
 * account in the database: it takes the actor as the live account (the policies still decide), and
 * reads session scopes from the given scheduling service. Routes of a real node use the real one.
 */
export function accessTrustingActors(sessions?: {
  getSession(id: string): Promise<SessionScope | null>;
}): Access {
  return createAccess({
    currentAccount: async (actor) => actor,
    sessionScope: (id) => sessions?.getSession(id) ?? Promise.resolve(null),
  });
}
