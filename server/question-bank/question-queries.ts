import type { CategoryCode } from "../contracts/categories.js";
import {
  REVIEW_QUEUE_LIMIT,
  type QuestionDto,
  type QuestionInput,
  type QuestionStatus,
  type QuestionType,
  type ReviewQueueDto,
} from "../contracts/question-bank.js";
import { errors } from "../lib/errors.js";
import { firstWithTotal } from "../lib/mongo.js";
import type { BankCore, Lean } from "./bank-core.js";
import { toQuestionDto, toQuestionInput } from "./question.presenter.js";

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

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Reads of the bank that return DTOs: lists, versions, the review queue, summaries and export. */
export function createQuestionQueries(core: BankCore) {
  const { Questions, latest, eligibleSnapshots } = core;

  return {
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

    /**
     * Questions waiting for review, oldest first, each with the published version it would
     * replace, so that the reviewer sees what the new version changes and not only what it says.
     */
    async reviewQueue(categoryCode?: CategoryCode): Promise<ReviewQueueDto> {
      const { rows, total } = await firstWithTotal(
        Questions,
        { status: "in_review", ...(categoryCode ? { categories: categoryCode } : {}) },
        { updatedAt: 1 },
        REVIEW_QUEUE_LIMIT,
      );
      const published = await Questions.find({
        questionId: { $in: rows.map((d) => d.questionId) },
        status: "published",
      }).lean<Lean[]>();
      const replaced = new Map(published.map((d) => [d.questionId, d]));
      return {
        items: (rows as Lean[]).map((d) => {
          const previous = replaced.get(d.questionId);
          return { ...toQuestionDto(d), replaces: previous ? toQuestionDto(previous) : null };
        }),
        total,
      };
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

    /**
     * Latest published content of a category in the exchange format (export). Quarantined
     * questions are left out: they are out of papers until a reviewer releases them, and the
     * format has no field to say so (re-imported elsewhere they would be drawn as sound). The
     * format carries no image either: `withImages` names the refs whose picture the file lacks,
     * for the route to refuse or say so (export_images_not_carried).
     */
    async exportQuestions(
      categoryCode?: CategoryCode,
    ): Promise<{ questions: QuestionInput[]; withImages: string[]; quarantined: number }> {
      const docs = await Questions.find({
        status: "published",
        ...(categoryCode ? { categories: categoryCode } : {}),
      })
        .sort({ ref: 1 })
        .lean<Lean[]>();
      const kept = docs.filter((d) => !d.quarantined);
      return {
        questions: kept.map(toQuestionInput),
        withImages: kept.flatMap((d) => (d.imageId ? [d.ref] : [])),
        quarantined: docs.length - kept.length,
      };
    },
  };
}
