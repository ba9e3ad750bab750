import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { BankQuestionSnapshot, BankShortfall, QuestionType } from "../contracts/question-bank.js";
import { errors } from "../lib/errors.js";
import { mergeCells, shortfallText } from "./assembly.js";
import { bankGuardModel, takeBankGuards } from "./bank-guard.js";
import type { BankCore, Lean } from "./bank-core.js";
import type { BlueprintDoc } from "./blueprint.model.js";
import { toSnapshot } from "./question.presenter.js";

/** A blueprint version a change would leave short, as `bank_in_use` names it. */
export interface BlueprintInUseShort {
  id: string;
  version: number;
  title: string;
  /** The category's current version: every session scheduled from now on pins it. */
  current: boolean;
  /** Sessions not yet over that pinned it. */
  sessions: number;
  shortfalls: BankShortfall[];
}

/** A change that takes one question's published version out of new papers (and maybe puts another in). */
export interface BankChange {
  questionId: string;
  /** The version new papers draw after the change (an approval), or null (retired, quarantined). */
  afterVersion: number | null;
  /** The act as the refusal names it: 停用, 暂停组卷, 审核通过. */
  verb: string;
}

/** The blueprints a refusal lists in its message and details at most (the rest are counted). */
const MAX_NAMED = 5;
const MAX_DETAILED = 20;

/** Who can still be drawn: the filter of `eligibleSnapshotsOf`, for one cell. */
const eligibleIn = (categoryCode: CategoryCode, type: QuestionType, chapter: string) => ({
  status: "published" as const,
  quarantined: { $ne: true },
  categories: categoryCode,
  type,
  chapter,
});

/**
 * Keeps the blueprints in use fillable. Papers are drawn from the published bank at check-in by the
 * version a session pinned, so a change that shrinks a cell below its count fails every check-in
 * of those sessions on the exam morning. The blueprints in use are the category's current
 * published version (the next session pins it) and every version pinned by a session that is
 * neither cancelled nor over (scheduling's `pinnedBlueprints` port; absent, only the current one).
 * Everything here runs inside the change's own transaction, under the category's guard
 * (bank-guard.ts), so two changes each leaving exactly enough cannot both commit.
 */
export function createBankInUse(core: BankCore) {
  const { Questions, Blueprints, deps } = core;
  const Guards = bankGuardModel(core.ctx.conn);

  async function currentOf(categoryCode: CategoryCode, session: ClientSession) {
    return Blueprints.findOne({ categoryCode, status: "published" })
      .sort({ publishedAt: -1, version: -1 })
      .session(session)
      .lean<BlueprintDoc>();
  }

  /** The blueprints in use for these categories, each with why it is in use. */
  async function blueprintsInUse(codes: readonly CategoryCode[], session: ClientSession) {
    const inUse = new Map<string, { doc: BlueprintDoc; current: boolean; sessions: number }>();
    const key = (id: string, version: number) => `${id}\u0000${version}`;
    for (const code of codes) {
      const doc = await currentOf(code, session);
      if (doc) inUse.set(key(doc.blueprintId, doc.version), { doc, current: true, sessions: 0 });
    }
    const pinned = deps.pinnedBlueprints ? await deps.pinnedBlueprints(codes, session) : [];
    const missing = pinned.filter((p) => !inUse.has(key(p.blueprint.id, p.blueprint.version)));
    const docs = missing.length
      ? await Blueprints.find({
          $or: missing.map((p) => ({ blueprintId: p.blueprint.id, version: p.blueprint.version })),
        })
          .session(session)
          .lean<BlueprintDoc[]>()
      : [];
    for (const doc of docs)
      inUse.set(key(doc.blueprintId, doc.version), { doc, current: false, sessions: 0 });
    for (const p of pinned) {
      const entry = inUse.get(key(p.blueprint.id, p.blueprint.version));
      if (entry) entry.sessions += p.sessions;
    }
    return [...inUse.values()];
  }

  /**
   * The blueprints in use that `change` would leave short. Only the cell the question's published
   * version fills can shrink, by one, in each of its categories; an approval that keeps the type,
   * chapter and category shrinks nothing there.
   */
  async function shortsAfter(change: BankChange, session: ClientSession): Promise<BlueprintInUseShort[]> {
    const row = { questionId: 1, type: 1, chapter: 1, categories: 1 } as const;
    const before = await Questions.findOne(
      { questionId: change.questionId, status: "published", quarantined: { $ne: true } },
      row,
    )
      .session(session)
      .lean<Pick<Lean, "type" | "chapter" | "categories">>();
    // Not drawn now (a new question, a quarantined one): the change can only add to the bank.
    if (!before) return [];
    const after =
      change.afterVersion === null
        ? null
        : await Questions.findOne(
            { questionId: change.questionId, version: change.afterVersion, quarantined: { $ne: true } },
            row,
          )
            .session(session)
            .lean<Pick<Lean, "type" | "chapter" | "categories">>();
    const stays = (code: string) =>
      !!after &&
      after.type === before.type &&
      after.chapter === before.chapter &&
      after.categories.includes(code);
    const codes = (before.categories as CategoryCode[]).filter((c) => !stays(c));
    if (codes.length === 0) return [];
    await takeBankGuards(Guards, codes, session);

    const type = before.type as QuestionType;
    const pools = new Map<CategoryCode, number>();
    const poolOf = async (code: CategoryCode) => {
      let n = pools.get(code);
      if (n === undefined) {
        const ids = await Questions.find(eligibleIn(code, type, before.chapter), { questionId: 1 })
          .session(session)
          .lean();
        n = new Set(ids.map((d) => d.questionId)).size;
        pools.set(code, n);
      }
      return n;
    };
    const shorts: BlueprintInUseShort[] = [];
    for (const { doc, current, sessions } of await blueprintsInUse(codes, session)) {
      const code = doc.categoryCode as CategoryCode;
      if (!codes.includes(code)) continue;
      const cell = mergeCells({
        cells: doc.cells.map((c) => ({ type: c.type as QuestionType, chapter: c.chapter, count: c.count })),
      }).find((c) => c.type === type && c.chapter === before.chapter);
      if (!cell) continue;
      const available = (await poolOf(code)) - 1;
      if (available >= cell.count) continue;
      shorts.push({
        id: doc.blueprintId,
        version: doc.version,
        title: doc.title,
        current,
        sessions,
        shortfalls: [{ categoryCode: code, type, chapter: before.chapter, needed: cell.count, available }],
      });
    }
    return shorts;
  }

  return {
    shortsAfter,

    /**
     * Inside the change's transaction, before its writes: refuses with 409 `bank_in_use`, naming
     * the blueprints and their short cells, when `change` would leave a blueprint in use unable to
     * fill a paper. The caller's transaction then aborts, so nothing is written.
     */
    async assertStillFills(change: BankChange, session: ClientSession): Promise<void> {
      const shorts = await shortsAfter(change, session);
      if (shorts.length) throw bankInUse(change.verb, shorts);
    },

    /**
     * Inside a blueprint's publishing transaction: takes the category's guard and reads the bank
     * on that transaction's snapshot, so a retirement committing meanwhile conflicts with the
     * publication instead of leaving the new version short.
     */
    async eligibleUnderGuard(
      categoryCode: CategoryCode,
      session: ClientSession,
    ): Promise<BankQuestionSnapshot[]> {
      await takeBankGuards(Guards, [categoryCode], session);
      const docs = await Questions.find({
        status: "published",
        quarantined: { $ne: true },
        categories: categoryCode,
      })
        .session(session)
        .lean<Lean[]>();
      return docs.map(toSnapshot);
    },
  };
}
export type BankInUse = ReturnType<typeof createBankInUse>;

/** The refusal: which versions, why each is in use, and the short cells; bounded however many there are. */
export function bankInUse(verb: string, shorts: readonly BlueprintInUseShort[]) {
  const named = shorts.slice(0, MAX_NAMED).map((s) => {
    const why = [s.current ? "现行版本" : "", s.sessions ? `${s.sessions} 个未结束场次在用` : ""].filter(
      Boolean,
    );
    return `「${s.title}」（${s.id} 第 ${s.version} 版${why.length ? `，${why.join("，")}` : ""}）：${shortfallText(s.shortfalls)}`;
  });
  const more = shorts.length > MAX_NAMED ? `等 ${shorts.length} 个方案` : "";
  return errors.conflict(
    "bank_in_use",
    `不能${verb}：${verb}后，在用的组卷方案将无法组卷——${named.join("；")}${more}。请先补充并发布同类试题，或待相关场次结束后再操作`,
    { blueprints: shorts.slice(0, MAX_DETAILED) },
  );
}
