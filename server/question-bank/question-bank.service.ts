import mongoose, { type ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { ItemStat } from "../contracts/item-stats.js";
import type { Paper } from "../contracts/paper.js";
import {
  BlueprintInput,
  QuestionInput,
  type BankQuestionSnapshot,
  type Blueprint,
  type BlueprintDto,
  type FeasibilityDto,
  type QuestionDto,
  type QuestionEvent,
  type QuestionStatus,
  type QuestionType,
} from "../contracts/question-bank.js";
import type { FeatureContext } from "../feature.js";
import { errors, toAppError } from "../lib/errors.js";
import { assemblePaper, checkFeasibility } from "./assembly.js";
import { blueprintModel, type BlueprintDoc } from "./blueprint.model.js";
import { CONTENT_ACTIONS, contributorsOf } from "./four-eyes.js";
import { createImageStore } from "./image.store.js";
import { computeItemStats, type ItemStatsOptions } from "./item-stats.js";
import type { Actor, AuditPort, ResponsesPort } from "./ports.js";
import { questionVersionModel, type QuestionVersionDoc } from "./question.model.js";
import {
  toBlueprint,
  toBlueprintDto,
  toQuestionDto,
  toQuestionInput,
  toSnapshot,
} from "./question.presenter.js";

/** Injected collaborators: all optional so tests and scripts can build the bank alone. */
export interface QuestionBankDeps {
  audit?: AuditPort;
  /** Finished attempts' responses, from the exam feature (item statistics). */
  responses?: ResponsesPort;
  itemStats?: Partial<ItemStatsOptions>;
}

/** Filters of the examiner's question list. */
export interface QuestionListQuery {
  categoryCode?: CategoryCode;
  status?: QuestionStatus;
  type?: QuestionType;
  chapter?: string;
  /** Free text: matched against stem, ref and tags. */
  q?: string;
  quarantined?: boolean;
  page?: number;
  pageSize?: number;
}

type Lean = QuestionVersionDoc & { _id?: unknown; createdAt?: Date; updatedAt?: Date };

/** Parses service input with a contract; a zod failure becomes the 400 `validation_failed` AppError. */
function parseInput<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown } },
  raw: unknown,
): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw toAppError(result.error);
  return result.data;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

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

/**
 * The question bank service: questions and their review workflow, versions, blueprints, paper
 * assembly from published content, item statistics and quarantine.
 */
export function createQuestionBankService(ctx: FeatureContext, deps: QuestionBankDeps = {}) {
  const Questions = questionVersionModel(ctx.conn);
  const Blueprints = blueprintModel(ctx.conn);
  const images = createImageStore(ctx.conn);
  let responses = deps.responses;

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

  /** Appends the entry for a change inside `audited`'s transaction `session`. */
  async function audit(
    session: ClientSession,
    actor: Actor,
    action: string,
    target: { type: string; id: string },
    details: Record<string, unknown> = {},
  ) {
    const input = {
      action: `question_bank.${action}`,
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

  function contentOf(input: QuestionInput) {
    return {
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
   * Applies an edit to a question: a draft is changed in place; a published question gets a new
   * draft version (the published one keeps serving papers until the new one is approved).
   */
  async function edit(
    actor: Actor,
    questionId: string,
    input: QuestionInput,
    imageId: string | null | undefined,
  ): Promise<QuestionDto> {
    const current = await latest(questionId);
    if (input.ref !== current.ref) await assertRefFree(input.ref, questionId);
    const nextImage = imageId === undefined ? (current.imageId ?? undefined) : (imageId ?? undefined);
    if (current.status === "in_review")
      throw errors.conflict("question_in_review", "题目正在审核中，不能修改；请审核人先退回");
    if (current.status === "retired") throw errors.conflict("question_retired", "题目已停用，不能修改");
    if (current.status === "draft") {
      return audited(async (session) => {
        const updated = await Questions.findOneAndUpdate(
          { questionId, version: current.version, status: "draft" },
          {
            $set: {
              ...contentOf(input),
              imageId: nextImage,
              authorId: actor.id,
              authorName: actor.displayName,
            },
            ...(nextImage ? {} : { $unset: { imageId: 1 } }),
            $push: { history: event(actor, "edited") },
          },
          { returnDocument: "after", session },
        ).lean<Lean>();
        if (!updated) throw errors.conflict("question_changed", "题目已被他人修改，请刷新后重试");
        await audit(
          session,
          actor,
          "question_edited",
          { type: "question", id: questionId },
          { version: updated.version },
        );
        return toQuestionDto(updated);
      });
    }
    return audited(async (session) => {
      const [created] = await Questions.create(
        [
          {
            questionId,
            version: current.version + 1,
            status: "draft",
            ...contentOf(input),
            ...(nextImage ? { imageId: nextImage } : {}),
            authorId: actor.id,
            authorName: actor.displayName,
            quarantined: current.quarantined,
            history: [event(actor, "new_version", `基于第 ${current.version} 版修改`)],
          },
        ],
        { session },
      );
      await audit(
        session,
        actor,
        "question_new_version",
        { type: "question", id: questionId },
        { version: created!.version, from: current.version },
      );
      return toQuestionDto(created!.toObject() as Lean);
    });
  }

  async function transition(
    actor: Actor,
    questionId: string,
    from: QuestionStatus,
    to: QuestionStatus,
    action: QuestionEvent["action"],
    comment?: string,
    extra: Record<string, unknown> = {},
    guard: Record<string, unknown> = {},
  ): Promise<QuestionDto> {
    const current = await latest(questionId);
    if (current.status !== from) {
      throw errors.conflict(
        "invalid_transition",
        `题目当前状态为「${STATUS_LABEL[current.status as QuestionStatus]}」，不能执行此操作`,
        { status: current.status },
      );
    }
    return audited(async (session) => {
      const updated = await Questions.findOneAndUpdate(
        { questionId, version: current.version, status: from, ...guard },
        { $set: { status: to, ...extra }, $push: { history: event(actor, action, comment) } },
        { returnDocument: "after", session },
      ).lean<Lean>();
      if (!updated) throw errors.conflict("question_changed", "题目已被他人修改，请刷新后重试");
      await audit(
        session,
        actor,
        `question_${action}`,
        { type: "question", id: questionId },
        { version: updated.version, ...(comment ? { comment } : {}) },
      );
      return toQuestionDto(updated);
    });
  }

  /**
   * A reviewer must not have written any content of the version under review (four-eyes rule):
   * not its author, nor anyone who edited it since, an image or a tag included. Checking only the
   * last editor let an author have a colleague touch a tag and then approve their own text.
   */
  async function assertNotContributor(actor: Actor, questionId: string) {
    const current = await latest(questionId);
    if (contributorsOf(current).has(actor.id))
      throw errors.forbidden("不能审核自己编写或修改过的题目", "own_question");
  }

  /**
   * The same rule as a query clause, added to the review's own write so that an edit landing
   * between the check and the write cannot slip past it.
   */
  function notContributedBy(actor: Actor): Record<string, unknown> {
    return {
      $nor: [
        { authorId: actor.id },
        { history: { $elemMatch: { actorId: actor.id, action: { $in: CONTENT_ACTIONS } } } },
      ],
    };
  }

  async function eligibleSnapshots(categoryCode: CategoryCode): Promise<BankQuestionSnapshot[]> {
    const docs = await Questions.find({
      status: "published",
      quarantined: { $ne: true },
      categories: categoryCode,
    }).lean<Lean[]>();
    return docs.map(toSnapshot);
  }

  async function getBlueprint(id: string, version: number): Promise<Blueprint> {
    const doc = await Blueprints.findOne({ blueprintId: id, version }).lean<BlueprintDoc>();
    if (!doc) throw errors.notFound(`组卷方案 ${id} 第 ${version} 版`, "blueprint_not_found");
    return toBlueprint(doc);
  }

  async function getCurrentBlueprint(categoryCode: CategoryCode): Promise<Blueprint | null> {
    const doc = await Blueprints.findOne({ categoryCode, status: "published" })
      .sort({ publishedAt: -1, version: -1 })
      .lean<BlueprintDoc>();
    return doc ? toBlueprint(doc) : null;
  }

  return {
    models: { Questions, Blueprints },
    images,

    /** Lets the exam feature supply finished attempts' responses after both are built. */
    useResponses(port: ResponsesPort): void {
      responses = port;
    },

    /** The examiner's list: the latest version of each question, filtered and paged. */
    async listQuestions(query: QuestionListQuery = {}): Promise<{ items: QuestionDto[]; total: number }> {
      const filter: Record<string, unknown> = {};
      if (query.categoryCode) filter.categories = query.categoryCode;
      if (query.type) filter.type = query.type;
      if (query.chapter) filter.chapter = query.chapter;
      if (query.quarantined !== undefined) filter.quarantined = query.quarantined;
      if (query.q) {
        const re = { $regex: escapeRegex(query.q), $options: "i" };
        filter.$or = [{ stem: re }, { ref: re }, { tags: re }];
      }
      const docs = await Questions.find(filter).sort({ questionId: 1, version: -1 }).lean<Lean[]>();
      const newest = new Map<string, Lean>();
      for (const d of docs) if (!newest.has(d.questionId)) newest.set(d.questionId, d);
      let rows = [...newest.values()];
      if (query.status) {
        // A question whose newest version is a draft still has a published version serving papers.
        const status = query.status;
        const withPublished =
          status === "published"
            ? new Set(docs.filter((d) => d.status === "published").map((d) => d.questionId))
            : null;
        rows = rows.filter((d) => d.status === status || (withPublished?.has(d.questionId) ?? false));
      }
      rows.sort(
        (a, b) => (b.updatedAt?.getTime() ?? 0) - (a.updatedAt?.getTime() ?? 0) || a.ref.localeCompare(b.ref),
      );
      const pageSize = Math.min(Math.max(query.pageSize ?? 50, 1), 500);
      const page = Math.max(query.page ?? 1, 1);
      return {
        items: rows.slice((page - 1) * pageSize, page * pageSize).map(toQuestionDto),
        total: rows.length,
      };
    },

    /** The latest version of one question. */
    async getQuestion(questionId: string): Promise<QuestionDto> {
      return toQuestionDto(await latest(questionId));
    },

    /** One exact version (papers and audits refer to versions). */
    async getQuestionVersion(questionId: string, version: number): Promise<QuestionDto> {
      const doc = await Questions.findOne({ questionId, version }).lean<Lean>();
      if (!doc) throw errors.notFound(`题目第 ${version} 版`, "question_not_found");
      return toQuestionDto(doc);
    },

    /** Every version of a question, oldest first: the history examiners and reviewers see. */
    async history(questionId: string): Promise<QuestionDto[]> {
      const docs = await Questions.find({ questionId }).sort({ version: 1 }).lean<Lean[]>();
      if (!docs.length) throw errors.notFound("题目", "question_not_found");
      return docs.map(toQuestionDto);
    },

    /** An examiner writes a new question: version 1, draft. */
    async createQuestion(actor: Actor, raw: unknown): Promise<QuestionDto> {
      const input = parseInput(QuestionInput, raw);
      await assertRefFree(input.ref, null);
      const questionId = new mongoose.Types.ObjectId().toHexString();
      return audited(async (session) => {
        const [created] = await Questions.create(
          [
            {
              questionId,
              version: 1,
              status: "draft",
              ...contentOf(input),
              authorId: actor.id,
              authorName: actor.displayName,
              history: [event(actor, "created")],
            },
          ],
          { session },
        );
        await audit(
          session,
          actor,
          "question_created",
          { type: "question", id: questionId },
          { ref: input.ref },
        );
        return toQuestionDto(created!.toObject() as Lean);
      });
    },

    /** Edits a draft in place, or starts a new version of a published question. */
    async updateQuestion(actor: Actor, questionId: string, raw: unknown): Promise<QuestionDto> {
      return edit(actor, questionId, parseInput(QuestionInput, raw), undefined);
    },

    /** Stores a checked image and attaches it to the question (as an edit, so published questions get a new version). */
    async attachImage(
      actor: Actor,
      questionId: string,
      data: Buffer,
      filename: string,
    ): Promise<QuestionDto> {
      const current = await latest(questionId);
      if (current.status === "in_review" || current.status === "retired") {
        throw errors.conflict("invalid_transition", "审核中或已停用的题目不能更换图片");
      }
      const imageId = await images.put(data, filename, actor.id);
      return edit(actor, questionId, toQuestionInput(current), imageId);
    },

    /** Removes the image (as an edit). */
    async removeImage(actor: Actor, questionId: string): Promise<QuestionDto> {
      return edit(actor, questionId, toQuestionInput(await latest(questionId)), null);
    },

    /** The author hands a draft to review. */
    async submitForReview(actor: Actor, questionId: string): Promise<QuestionDto> {
      return transition(actor, questionId, "draft", "in_review", "submitted");
    },

    /**
     * A reviewer other than the author approves: the version is published and the previously
     * published version becomes superseded (kept for the papers that used it).
     */
    async approve(actor: Actor, questionId: string, comment?: string): Promise<QuestionDto> {
      await assertNotContributor(actor, questionId);
      const current = await latest(questionId);
      if (current.status !== "in_review") {
        throw errors.conflict(
          "invalid_transition",
          `题目当前状态为「${STATUS_LABEL[current.status as QuestionStatus]}」，不能审核通过`,
          { status: current.status },
        );
      }
      await audited(async (session) => {
        await Questions.updateMany(
          { questionId, status: "published", version: { $lt: current.version } },
          { $set: { status: "superseded" } },
          { session },
        );
        const res = await Questions.updateOne(
          { questionId, version: current.version, status: "in_review", ...notContributedBy(actor) },
          {
            $set: { status: "published", reviewerId: actor.id },
            $push: { history: event(actor, "approved", comment) },
          },
          { session },
        );
        if (res.modifiedCount !== 1)
          throw errors.conflict("question_changed", "题目已被他人处理，请刷新后重试");
        await audit(
          session,
          actor,
          "question_approved",
          { type: "question", id: questionId },
          { version: current.version, ...(comment ? { comment } : {}) },
        );
      });
      return toQuestionDto(await latest(questionId));
    },

    /** A reviewer other than the author returns the question to draft with comments. */
    async returnForChanges(actor: Actor, questionId: string, comment: string): Promise<QuestionDto> {
      if (!comment.trim()) throw errors.badRequest("comment_required", "退回时须填写审核意见");
      await assertNotContributor(actor, questionId);
      return transition(
        actor,
        questionId,
        "in_review",
        "draft",
        "returned",
        comment,
        { reviewerId: actor.id },
        notContributedBy(actor),
      );
    },

    /** Retires the question: no new paper uses it; every version stays for existing papers. */
    async retire(actor: Actor, questionId: string, comment?: string): Promise<QuestionDto> {
      const current = await latest(questionId);
      if (current.status === "retired") throw errors.conflict("invalid_transition", "题目已停用");
      await audited(async (session) => {
        await Questions.updateMany(
          { questionId, status: { $in: ["published", "draft", "in_review"] } },
          { $set: { status: "retired" } },
          { session },
        );
        await Questions.updateOne(
          { questionId, version: current.version },
          { $push: { history: event(actor, "retired", comment) } },
          { session },
        );
        await audit(
          session,
          actor,
          "question_retired",
          { type: "question", id: questionId },
          comment ? { comment } : {},
        );
      });
      return toQuestionDto(await latest(questionId));
    },

    /** Questions waiting for review, oldest first. */
    async reviewQueue(categoryCode?: CategoryCode): Promise<QuestionDto[]> {
      const docs = await Questions.find({
        status: "in_review",
        ...(categoryCode ? { categories: categoryCode } : {}),
      })
        .sort({ updatedAt: 1 })
        .lean<Lean[]>();
      return docs.map(toQuestionDto);
    },

    /** Keeps a question out of (or lets it back into) new papers, e.g. after negative discrimination. */
    async setQuarantine(
      actor: Actor,
      questionId: string,
      quarantined: boolean,
      reason?: string,
    ): Promise<QuestionDto> {
      const current = await latest(questionId);
      await audited(async (session) => {
        await Questions.updateMany({ questionId }, { $set: { quarantined } }, { session });
        await Questions.updateOne(
          { questionId, version: current.version },
          { $push: { history: event(actor, quarantined ? "quarantined" : "released", reason) } },
          { session },
        );
        await audit(
          session,
          actor,
          quarantined ? "question_quarantined" : "question_released",
          { type: "question", id: questionId },
          reason ? { reason } : {},
        );
      });
      return toQuestionDto(await latest(questionId));
    },

    /** Published, non-quarantined versions of a category: what assembly draws from. */
    eligibleSnapshots,

    /** Counts of published, non-quarantined questions per type × chapter. */
    async bankSummary(
      categoryCode: CategoryCode,
    ): Promise<{ type: QuestionType; chapter: string; count: number }[]> {
      const counts = new Map<string, { type: QuestionType; chapter: string; count: number }>();
      for (const q of await eligibleSnapshots(categoryCode)) {
        const key = `${q.type}\u0000${q.chapter}`;
        const row = counts.get(key) ?? { type: q.type, chapter: q.chapter, count: 0 };
        row.count++;
        counts.set(key, row);
      }
      return [...counts.values()].sort(
        (a, b) => a.chapter.localeCompare(b.chapter) || a.type.localeCompare(b.type),
      );
    },

    // ---- blueprints ----

    /** Every version of every blueprint (optionally of one category), newest first. */
    async listBlueprints(categoryCode?: CategoryCode): Promise<BlueprintDto[]> {
      const docs = await Blueprints.find(categoryCode ? { categoryCode } : {})
        .sort({ categoryCode: 1, version: -1 })
        .lean<BlueprintDoc[]>();
      return docs.map(toBlueprintDto);
    },

    /**
     * Saves a new version of the category's blueprint (the lineage `bp-<category>` unless an id is
     * given). Published versions never change: sessions pin them.
     */
    async saveBlueprint(
      actor: Actor,
      raw: unknown,
      options: { publish?: boolean; id?: string } = {},
    ): Promise<BlueprintDto> {
      const input = parseInput(BlueprintInput, raw);
      const blueprintId = options.id ?? `bp-${input.categoryCode}`;
      const last = await Blueprints.findOne({ blueprintId }).sort({ version: -1 }).lean<BlueprintDoc>();
      if (last && last.categoryCode !== input.categoryCode)
        throw errors.badRequest("blueprint_category_mismatch", "组卷方案不能改变从业类别");
      return audited(async (session) => {
        const [created] = await Blueprints.create(
          [
            {
              blueprintId,
              version: (last?.version ?? 0) + 1,
              status: options.publish ? "published" : "draft",
              ...input,
              createdBy: actor.id,
              ...(options.publish ? { publishedAt: new Date() } : {}),
            },
          ],
          { session },
        );
        await audit(
          session,
          actor,
          options.publish ? "blueprint_published" : "blueprint_saved",
          { type: "blueprint", id: blueprintId },
          { version: created!.version },
        );
        return toBlueprintDto(created!.toObject() as BlueprintDoc);
      });
    },

    /** Publishes a draft blueprint version; it becomes the category's current blueprint. */
    async publishBlueprint(actor: Actor, id: string, version: number): Promise<BlueprintDto> {
      return audited(async (session) => {
        const doc = await Blueprints.findOneAndUpdate(
          { blueprintId: id, version, status: "draft" },
          { $set: { status: "published", publishedAt: new Date() } },
          { returnDocument: "after", session },
        ).lean<BlueprintDoc>();
        if (!doc) throw errors.conflict("invalid_transition", "只有草稿状态的组卷方案可以发布");
        await audit(session, actor, "blueprint_published", { type: "blueprint", id }, { version });
        return toBlueprintDto(doc);
      });
    },

    getBlueprint,
    getCurrentBlueprint,

    /** Whether the published bank can satisfy a blueprint, cell by cell. */
    async feasibility(raw: unknown): Promise<FeasibilityDto> {
      const input = parseInput(BlueprintInput, raw);
      const { cells, shortfalls } = checkFeasibility(await eligibleSnapshots(input.categoryCode), input);
      return {
        feasible: shortfalls.length === 0,
        cells,
        shortfalls,
        totalQuestions: cells.reduce((s, c) => s + c.needed, 0),
        totalPoints: cells.reduce((s, c) => s + c.needed * input.points[c.type], 0),
      };
    },

    /**
     * Builds one candidate's paper from the published, non-quarantined questions and the pinned (or
     * current published) blueprint version. Deterministic from the seed for the same bank state.
     */
    async buildPaper(input: {
      categoryCode: CategoryCode;
      blueprintRef?: { id: string; version: number };
      seed: string;
      avoidQuestionIds?: string[];
      exposure?: Map<string, number>;
    }): Promise<Paper> {
      const blueprint = input.blueprintRef
        ? await getBlueprint(input.blueprintRef.id, input.blueprintRef.version)
        : await getCurrentBlueprint(input.categoryCode);
      if (!blueprint) throw errors.notFound(`类别 ${input.categoryCode} 的组卷方案`, "blueprint_not_found");
      if (blueprint.categoryCode !== input.categoryCode) {
        throw errors.badRequest("blueprint_category_mismatch", "组卷方案与从业类别不符", {
          blueprintCategory: blueprint.categoryCode,
        });
      }
      return assemblePaper({
        questions: await eligibleSnapshots(input.categoryCode),
        blueprint,
        seed: input.seed,
        avoidQuestionIds: input.avoidQuestionIds,
        exposure: input.exposure,
      });
    },

    /**
     * Item statistics from finished attempts. With `autoQuarantine`, items with negative
     * discrimination are quarantined from new papers (an examiner can release them).
     */
    async itemStatistics(
      categoryCode: CategoryCode,
      options: { autoQuarantine?: boolean; actor?: Actor } = {},
    ): Promise<ItemStat[]> {
      const rows = computeItemStats(responses ? await responses(categoryCode) : [], deps.itemStats);
      const ids = [...new Set(rows.map((r) => r.questionId))];
      const quarantined = new Set(
        (await Questions.find({ questionId: { $in: ids }, quarantined: true }, { questionId: 1 }).lean()).map(
          (d) => d.questionId,
        ),
      );
      if (options.autoQuarantine) {
        const actor = options.actor ?? { id: "system", displayName: "系统" };
        for (const r of rows) {
          if (!r.flags.includes("negative_discrimination") || quarantined.has(r.questionId)) continue;
          const newest = await latest(r.questionId);
          await audited(async (session) => {
            await Questions.updateMany(
              { questionId: r.questionId },
              { $set: { quarantined: true } },
              { session },
            );
            await Questions.updateOne(
              { questionId: r.questionId, version: newest.version },
              {
                $push: {
                  history: event(
                    actor,
                    "quarantined",
                    `区分度为负（${r.discrimination?.toFixed(2) ?? "—"}），自动停止组卷`,
                  ),
                },
              },
              { session },
            );
            await audit(
              session,
              actor,
              "question_quarantined",
              { type: "question", id: r.questionId },
              { discrimination: r.discrimination, automatic: true },
            );
          });
          quarantined.add(r.questionId);
        }
      }
      const versions = await Questions.find(
        { questionId: { $in: ids } },
        { questionId: 1, version: 1, ref: 1, stem: 1 },
      ).lean();
      const label = new Map(
        versions.map((v) => [`${v.questionId}\u0000${v.version}`, { ref: v.ref, stem: v.stem }]),
      );
      return rows.map((r) => ({
        ...r,
        ...label.get(`${r.questionId}\u0000${r.version}`),
        quarantined: quarantined.has(r.questionId),
      }));
    },

    /** Latest published content of a category in the exchange format (export). */
    async exportQuestions(categoryCode?: CategoryCode): Promise<QuestionInput[]> {
      const docs = await Questions.find({
        status: "published",
        ...(categoryCode ? { categories: categoryCode } : {}),
      })
        .sort({ ref: 1 })
        .lean<Lean[]>();
      return docs.map(toQuestionInput);
    },
  };
}

export type QuestionBankService = ReturnType<typeof createQuestionBankService>;

/** Status names as the UI and error messages show them. */
export const STATUS_LABEL: Record<QuestionStatus, string> = {
  draft: "草稿",
  in_review: "审核中",
  published: "已发布",
  retired: "已停用",
  superseded: "已被新版本取代",
};
