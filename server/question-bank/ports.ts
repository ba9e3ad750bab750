import type { AuditAction } from "../contracts/audit.js";
import type { ClientSession } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { ItemResponse } from "../contracts/item-stats.js";
import type { BlueprintRef } from "../contracts/scheduling.js";

/** Who acts on the bank: the fields of the logged-in user the bank records. */
export type Actor = Pick<AuthUser, "id" | "displayName"> & Partial<Pick<AuthUser, "kind" | "divisionCode">>;

/** The system actor for seeding and the import CLI. */
export const SYSTEM_ACTOR: Actor = { id: "system", displayName: "系统" };

/** Finished attempts' responses for a category; provided by the exam feature. */
export type ResponsesPort = (categoryCode: CategoryCode) => Promise<ItemResponse[]>;

/** Whether the candidate's paper in their session holds a question showing the image (exam delivery answers). */
export type PaperImagesPort = (candidateId: string, sessionId: string, imageId: string) => Promise<boolean>;

/**
 * One audited change, in the shape of the audit feature's `record` input (server/audit), so its
 * service can be passed in directly.
 */
export interface AuditInput {
  action: AuditAction;
  actor: { id: string; kind: "staff" | "candidate" | "system" | "anonymous"; name: string };
  divisionCode?: string | null;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

/**
 * Where bank changes are audited (`server/audit/index.ts`), injected so the bank does not depend on
 * the audit feature's internals: a change and its entry commit as one transaction
 * (`transaction` + `append`); `record` is for an event that changes nothing else.
 */
export interface AuditPort {
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  append(session: ClientSession, input: AuditInput): Promise<unknown>;
  record(input: AuditInput): Promise<unknown>;
}

/**
 * A blueprint version sessions not yet over have pinned (their papers are drawn from it at
 * check-in). The one declaration: scheduling's provider returns it (server/scheduling/pinned-blueprints.ts).
 */
export interface PinnedBlueprint {
  blueprint: BlueprintRef;
  /** How many such sessions pin it. */
  sessions: number;
}

/**
 * The blueprint versions pinned by sessions of these categories that are neither cancelled nor
 * over, read inside the caller's transaction `session` when given; provided by scheduling
 * (server/scheduling/pinned-blueprints.ts).
 */
export type PinnedBlueprintsPort = (
  categoryCodes: readonly CategoryCode[],
  session?: ClientSession,
) => Promise<PinnedBlueprint[]>;
