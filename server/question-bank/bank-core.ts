import type { AuditAction } from "../contracts/audit.js";
import type { ClientSession, Model } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  BankQuestionSnapshot,
  Blueprint,
  QuestionEvent,
  QuestionInput,
  QuestionStatus,
} from "../contracts/question-bank.js";
import type { FeatureContext } from "../feature.js";
import { errors, toAppError } from "../lib/errors.js";
import { blueprintModel, type BlueprintDoc } from "./blueprint.model.js";
import { createImageStore } from "./image.store.js";
import { questionContentHash } from "./content-hash.js";
import type { ItemStatsOptions } from "./item-stats.js";
import type { Actor, AuditPort, PinnedBlueprintsPort, ResponsesPort } from "./ports.js";
import { questionVersionModel, type QuestionVersionDoc } from "./question.model.js";
import { toBlueprint, toSnapshot } from "./question.presenter.js";

/** A bank action as `audit` takes it: an `AuditAction` of the bank without its `question_bank.` prefix. */
type BankAuditAction = AuditAction extends infer A ? (A extends `question_bank.${infer Rest}` ? Rest : never) : never;

/** Injected collaborators: all optional so tests and scripts can build the bank alone. */
export interface QuestionBankDeps {
  audit?: AuditPort;
  /** Finished attempts' responses, from the exam feature (item statistics). */
  responses?: ResponsesPort;
  itemStats?: Partial<ItemStatsOptions>;
  /**
   * Blueprint versions pinned by sessions not yet over, from scheduling: a change that would leave
   * one short is refused (bank-in-use.ts). Absent (the bank alone), only the current version counts.
   */
  pinnedBlueprints?: PinnedBlueprintsPort;
}

export type Lean = QuestionVersionDoc & { _id?: unknown; createdAt?: Date; updatedAt?: Date };

/** Parses service input with a contract; a zod failure becomes the 400 `validation_failed` AppError. */
export function parseInput<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown } },
  raw: unknown,
): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw toAppError(result.error);
  return result.data;
}

/** The fields whose change makes a new version (content as candidates and graders see it). */
export function sameContent(
  a: QuestionInput & { imageId?: string },
  b: QuestionInput & { imageId?: string },
): boolean {
  const norm = (q: QuestionInput & { imageId?: string }) =>
    JSON.stringify([
      q.type,
      q.stem,
      [...q.options].sort((x, y) => x.key.localeCompare(y.key)).map((o) => [o.key, o.text]),
      [...q.answer].sort(),
      q.explanation,
      q.chapter,
      [...q.categories].sort(),
      q.difficulty,
      [...q.tags].sort(),
      q.source,
      q.ref,
      q.imageId ?? null,
    ]);
  return norm(a) === norm(b);
}

/** The filter of the questions a paper of the category may draw: published and not quarantined. */
export function eligibleFilter(categoryCode: CategoryCode) {
  return { status: "published" as const, quarantined: { $ne: true }, categories: categoryCode };
}

/** The questions a paper of the category may draw, inside the transaction `session` when given. */
export async function eligibleSnapshotsOf(
  Questions: Model<QuestionVersionDoc>,
  categoryCode: CategoryCode,
  session?: ClientSession,
): Promise<BankQuestionSnapshot[]> {
  const docs = await Questions.find(eligibleFilter(categoryCode))
    .session(session ?? null)
    .lean<Lean[]>();
  return docs.map(toSnapshot);
}

/** Status names as the UI and error messages show them. */
export const STATUS_LABEL: Record<QuestionStatus, string> = {
  draft: "草稿",
  in_review: "审核中",
  published: "已发布",
  retired: "已停用",
  superseded: "已被新版本取代",
};

/** The stored content fields of a question input. */
export function contentOf(input: QuestionInput) {
  return {
    // Updates bypass the schema's validate hook: the hash travels with the content it hashes.
    contentHash: questionContentHash(input),
    ref: input.ref,
    type: input.type,
    stem: input.stem,
    options: input.options,
    answer: input.answer,
    explanation: input.explanation,
    chapter: input.chapter,
    categories: input.categories,
    difficulty: input.difficulty,
    tags: input.tags,
    source: input.source,
  };
}

/**
 * What every part of the bank is built from: its models and image store, the history event and
 * audit helpers, and the reads the parts share. One per service.
 */
export function createBankCore(ctx: FeatureContext, deps: QuestionBankDeps) {
  const Questions = questionVersionModel(ctx.conn);
  const Blueprints = blueprintModel(ctx.conn);
  const images = createImageStore(ctx.conn);
  /** Finished attempts' responses; the exam feature may supply them after both are built. */
  const responses: { port: ResponsesPort | undefined } = { port: deps.responses };

  const event = (actor: Actor, action: QuestionEvent["action"], comment?: string) => ({
    at: new Date(),
    actorId: actor.id,
    actorName: actor.displayName,
    action,
    ...(comment ? { comment } : {}),
  });

  /**
   * Runs a bank change and its audit entry as one transaction: both commit or neither does, so a
   * failing audit store leaves the bank unchanged. Without an audit log (tests, scripts that build
   * the bank alone) the change still runs as one transaction and the entry goes to the log.
   */
  function audited<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    return deps.audit ? deps.audit.transaction(work) : ctx.conn.transaction(work);
  }

  /** Appends the entry for a change inside `audited`'s transaction `session` (`action` without its prefix). */
  async function audit(
    session: ClientSession,
    actor: Actor,
    action: BankAuditAction,
    target: { type: string; id: string },
    details: Record<string, unknown> = {},
  ) {
    const input = {
      action: `question_bank.${action}` as const,
      actor: {
        id: actor.id,
        kind: actor.kind ?? (actor.id === "system" ? ("system" as const) : ("staff" as const)),
        name: actor.displayName,
      },
      divisionCode: actor.divisionCode ?? null,
      target,
      details,
    };
    if (deps.audit) await deps.audit.append(session, input);
    else ctx.logger.info({ audit: input }, "question bank change");
  }

  async function latest(questionId: string): Promise<Lean> {
    const doc = await Questions.findOne({ questionId }).sort({ version: -1 }).lean<Lean>();
    if (!doc) throw errors.notFound("题目", "question_not_found");
    return doc;
  }

  async function assertRefFree(ref: string, questionId: string | null) {
    const other = await Questions.findOne(
      { ref, ...(questionId ? { questionId: { $ne: questionId } } : {}) },
      { questionId: 1 },
    ).lean();
    if (other) throw errors.conflict("ref_taken", `题目编号 ${ref} 已被其他题目使用`, { ref });
  }

  const eligibleSnapshots = (categoryCode: CategoryCode, session?: ClientSession) =>
    eligibleSnapshotsOf(Questions, categoryCode, session);

  async function getBlueprint(id: string, version: number): Promise<Blueprint> {
    const doc = await Blueprints.findOne({ blueprintId: id, version }).lean<BlueprintDoc>();
    if (!doc) throw errors.notFound(`组卷方案 ${id} 第 ${version} 版`, "blueprint_not_found");
    return toBlueprint(doc);
  }

  /** The category's current published version (the next session pins it), inside `session` when given. */
  async function getCurrentBlueprint(
    categoryCode: CategoryCode,
    session?: ClientSession,
  ): Promise<Blueprint | null> {
    const doc = await Blueprints.findOne({ categoryCode, status: "published" })
      .sort({ publishedAt: -1, version: -1 })
      .session(session ?? null)
      .lean<BlueprintDoc>();
    return doc ? toBlueprint(doc) : null;
  }

  return {
    ctx,
    deps,
    Questions,
    Blueprints,
    images,
    responses,
    event,
    audited,
    audit,
    latest,
    assertRefFree,
    eligibleSnapshots,
    getBlueprint,
    getCurrentBlueprint,
  };
}
export type BankCore = ReturnType<typeof createBankCore>;
