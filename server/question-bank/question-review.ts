import type { CategoryCode } from "../contracts/categories.js";
import type { ItemStat } from "../contracts/item-stats.js";
import type {
  QuarantineKeptDto,
  QuestionDto,
  QuestionEvent,
  QuestionStatus,
} from "../contracts/question-bank.js";
import { errors } from "../lib/errors.js";
import { STATUS_LABEL, type BankCore, type Lean } from "./bank-core.js";
import { bankInUse, type BankInUse } from "./bank-in-use.js";
import { CONTENT_ACTIONS, contributorsOf } from "./four-eyes.js";
import { computeItemStats } from "./item-stats.js";
import type { Actor } from "./ports.js";
import { toQuestionDto } from "./question.presenter.js";

/** One item's statistics as computed, before the bank's labels are added. */
type StatRow = ReturnType<typeof computeItemStats>[number];

/**
 * The review workflow (draft → in review → published, returned, retired) under the four-eyes
 * rule, and quarantine (by hand, or automatically from item statistics). Each change commits with
 * its audit entry. A change that takes a published version out of new papers first asks
 * `inUse.assertStillFills` inside its transaction: it is refused `bank_in_use` when a blueprint in
 * use (current, or pinned by a session not yet over) could no longer fill a paper.
 */
export function createQuestionReview(core: BankCore, inUse: BankInUse) {
  const { Questions, event, audited, audit, latest, deps } = core;

  async function transition(
    actor: Actor,
    questionId: string,
    from: QuestionStatus,
    to: QuestionStatus,
    action: Extract<QuestionEvent["action"], "submitted" | "returned">,
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

  /**
   * Quarantines the `flagged` items as one batch, in one transaction: their versions read once, one
   * fill check for all (bank-in-use.ts: the blueprints in use read once, each cell counted once,
   * each item taken out counted against the next), then one write per kind and an audit entry per
   * item. An item a blueprint in use cannot do without is kept, with the refusal's message.
   */
  async function quarantineFlagged(flagged: StatRow[], actor: Actor) {
    return audited(async (session) => {
      const kept: { questionId: string; version: number; message: string }[] = [];
      const taken: { row: StatRow; newest: number }[] = [];
      const versions = await Questions.find(
        { questionId: { $in: flagged.map((r) => r.questionId) } },
        { questionId: 1, version: 1, status: 1, quarantined: 1, type: 1, chapter: 1, categories: 1 },
      )
        .session(session)
        .lean<
          Pick<
            Lean,
            "questionId" | "version" | "status" | "quarantined" | "type" | "chapter" | "categories"
          >[]
        >();
      const drawn = new Map(versions.filter((v) => v.status === "published").map((v) => [v.questionId, v]));
      const newest = new Map<string, number>();
      for (const v of versions) newest.set(v.questionId, Math.max(newest.get(v.questionId) ?? 0, v.version));
      const check = inUse.fillCheck(session, { pending: true });
      for (const row of flagged) {
        const published = drawn.get(row.questionId);
        // Statistics of a version no longer drawn (superseded by a corrected one) say nothing
        // about the version papers use now: acting on them quarantined the corrected question
        // again on every run after its release.
        if (!published || published.version !== row.version) continue;
        const change = { before: published.quarantined ? null : published, after: null };
        const shorts = await check.shortsOf(change);
        if (shorts.length) {
          kept.push({
            questionId: row.questionId,
            version: row.version,
            message: bankInUse("自动暂停组卷", shorts).message,
          });
          continue;
        }
        check.record(change);
        taken.push({ row, newest: newest.get(row.questionId) ?? row.version });
      }
      if (taken.length) {
        await Questions.updateMany(
          { questionId: { $in: taken.map((t) => t.row.questionId) } },
          { $set: { quarantined: true } },
          { session },
        );
        await Questions.bulkWrite(
          taken.map(({ row, newest: version }) => ({
            updateOne: {
              filter: { questionId: row.questionId, version },
              update: {
                $push: {
                  history: event(
                    actor,
                    "quarantined",
                    `区分度为负（${row.discrimination?.toFixed(2) ?? "—"}），自动停止组卷`,
                  ),
                },
              },
            },
          })),
          { session },
        );
        for (const { row } of taken)
          await audit(
            session,
            actor,
            "question_quarantined",
            { type: "question", id: row.questionId },
            { discrimination: row.discrimination, automatic: true },
          );
      }
      return { kept, taken: taken.map((t) => t.row.questionId) };
    });
  }

  /**
   * Item statistics from finished attempts. With `autoQuarantine`, items with negative
   * discrimination are quarantined from new papers (an examiner can release them), as one batch
   * (`quarantineFlagged`); an item a blueprint in use cannot do without is left in and reported
   * in `kept` (quarantining it would fail those sessions' check-ins: a reviewer decides by hand
   * once the bank has a replacement).
   */
  async function statistics(
    categoryCode: CategoryCode,
    options: { autoQuarantine?: boolean; actor?: Actor },
  ): Promise<{ items: ItemStat[]; kept: QuarantineKeptDto[] }> {
    const rows = computeItemStats(
      core.responses.port ? await core.responses.port(categoryCode) : [],
      deps.itemStats,
    );
    const ids = [...new Set(rows.map((r) => r.questionId))];
    const quarantined = new Set(
      (await Questions.find({ questionId: { $in: ids }, quarantined: true }, { questionId: 1 }).lean()).map(
        (d) => d.questionId,
      ),
    );
    let kept: { questionId: string; version: number; message: string }[] = [];
    if (options.autoQuarantine) {
      const flagged = rows.filter(
        (r) => r.flags.includes("negative_discrimination") && !quarantined.has(r.questionId),
      );
      if (flagged.length) {
        const done = await quarantineFlagged(flagged, options.actor ?? { id: "system", displayName: "系统" });
        kept = done.kept;
        for (const id of done.taken) quarantined.add(id);
      }
    }
    const versions = await Questions.find(
      { questionId: { $in: ids } },
      { questionId: 1, version: 1, ref: 1, stem: 1 },
    ).lean();
    const label = new Map(
      versions.map((v) => [`${v.questionId}\u0000${v.version}`, { ref: v.ref, stem: v.stem }]),
    );
    return {
      items: rows.map((r) => ({
        ...r,
        ...label.get(`${r.questionId}\u0000${r.version}`),
        quarantined: quarantined.has(r.questionId),
      })),
      kept: kept.map((k) => {
        const ref = label.get(`${k.questionId}\u0000${k.version}`)?.ref;
        return { ...k, ...(ref ? { ref } : {}) };
      }),
    };
  }

  return {
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
        // The new version may change the type, chapter or categories: the cell the published
        // version filled loses it.
        await inUse.assertStillFills(
          { questionId, afterVersion: current.version, verb: "审核通过（新版本的题型、章节或从业类别有变）" },
          session,
        );
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
        await inUse.assertStillFills({ questionId, afterVersion: null, verb: "停用" }, session);
        const retired = await Questions.updateMany(
          { questionId, status: { $in: ["published", "draft", "in_review"] } },
          { $set: { status: "retired" } },
          { session },
        );
        // Nothing left to retire: a double submit (or a retried try) whose twin committed first
        // records no second retirement.
        if (retired.modifiedCount === 0) throw errors.conflict("invalid_transition", "题目已停用");
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

    /** Keeps a question out of (or lets it back into) new papers, e.g. after negative discrimination. */
    async setQuarantine(
      actor: Actor,
      questionId: string,
      quarantined: boolean,
      reason?: string,
    ): Promise<QuestionDto> {
      const current = await latest(questionId);
      await audited(async (session) => {
        if (quarantined)
          await inUse.assertStillFills({ questionId, afterVersion: null, verb: "暂停组卷" }, session);
        // Only a change is recorded: quarantining twice or releasing a question never quarantined
        // would otherwise put an event in the history and the audit that changed nothing.
        const changed = await Questions.updateMany(
          { questionId, quarantined: quarantined ? { $ne: true } : true },
          { $set: { quarantined } },
          { session },
        );
        if (changed.modifiedCount === 0)
          throw quarantined
            ? errors.conflict("already_quarantined", "题目已暂停组卷")
            : errors.conflict("not_quarantined", "题目未暂停组卷，无需恢复");
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

    /** Item statistics from finished attempts (see `statistics`); the auto-quarantine's report left out. */
    async itemStatistics(
      categoryCode: CategoryCode,
      options: { autoQuarantine?: boolean; actor?: Actor } = {},
    ): Promise<ItemStat[]> {
      return (await statistics(categoryCode, options)).items;
    },

    /**
     * Quarantines the published items with negative discrimination and answers the statistics
     * after it, with the items left in new papers because a blueprint in use needs them (`kept`).
     */
    quarantineNegative(
      categoryCode: CategoryCode,
      actor: Actor,
    ): Promise<{ items: ItemStat[]; kept: QuarantineKeptDto[] }> {
      return statistics(categoryCode, { autoQuarantine: true, actor });
    },
  };
}
