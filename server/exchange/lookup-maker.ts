import type { AuditService } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";

/**
 * Which account of this node made lookup `lookupId` of the person `idNumber`: null when the node's
 * records name none (see createLookupMaker).
 */
export type LookupMaker = (lookupId: string, idNumber: string) => Promise<string | null>;

/** Entries read per page, and pages at most: a person's answered lookups here in a case's 30 days. */
const PAGE = 200;
const MAX_PAGES = 5;

/**
 * Reads who made a lookup from the node's audit log, where the sharing feature's lookup service
 * records each answered lookup under the officer's account, with the hub's `lookupId`
 * (`hub.lookup_answered`, its target the person the query named). The hub knows the province that
 * asked, not its accounts: only the node can tie a case to the officer whose lookup it cites.
 *
 * Read through the audit service's own list (no other feature's models), as the node's province
 * level sees its log. Null (nothing on record) for a lookup made before outcomes were recorded, one
 * whose outcome entry failed to be written, one by certificate number under another number, or
 * one older than the pages read: the hub still checks that the province made it, for the case's
 * reason, within 30 days, and found this person.
 */
export function createLookupMaker(audit: Pick<AuditService, "list">, provinceCode: string): LookupMaker {
  // The node reading its own log, at its province level (which also sees entries without a division).
  const node: AuthUser = {
    id: "exchange",
    kind: "staff",
    roles: ["admin"],
    displayName: "跨省交换",
    divisionCode: provinceCode,
    provinceCode,
  };
  return async (lookupId, idNumber) => {
    const wanted = lookupId.toLowerCase();
    // The lookup's target is the ID number as the officer typed it: the check letter may be lower case.
    const targets = [...new Set([idNumber, idNumber.toLowerCase()])];
    for (const targetId of targets) {
      let before: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const read = await audit.list(node, {
          action: "hub.lookup_answered",
          targetId,
          limit: PAGE,
          ...(before ? { before } : {}),
        });
        const hit = read.entries.find(
          (e) => typeof e.details.lookupId === "string" && e.details.lookupId.toLowerCase() === wanted,
        );
        if (hit) return hit.actor.id;
        if (!read.next) break;
        before = read.next;
      }
    }
    return null;
  };
}
