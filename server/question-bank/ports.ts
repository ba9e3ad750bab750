import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { ItemResponse } from "../contracts/item-stats.js";

/** Who acts on the bank: the fields of the logged-in user the bank records. */
export type Actor = Pick<AuthUser, "id" | "displayName"> & Partial<Pick<AuthUser, "roles">>;

/** The system actor for seeding and the import CLI. */
export const SYSTEM_ACTOR: Actor = { id: "system", displayName: "系统" };

/** Finished attempts' responses for a category; provided by the exam feature. */
export type ResponsesPort = (categoryCode: CategoryCode) => Promise<ItemResponse[]>;

/** One audited change (the identity feature's audit service fulfils this shape). */
export interface AuditEntry {
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Where bank changes are audited; injected so the bank does not depend on the audit feature's internals. */
export interface AuditPort {
  record(entry: AuditEntry): Promise<void>;
}
