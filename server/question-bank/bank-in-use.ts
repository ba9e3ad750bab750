import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  BankQuestionSnapshot,
  BankShortfall,
  Blueprint,
  QuestionType,
} from "../contracts/question-bank.js";
import { errors, type AppError } from "../lib/errors.js";
import { mergeCells, shortfallText } from "./assembly.js";
import { bankGuardModel, takeBankGuards } from "./bank-guard.js";
import { eligibleFilter, type BankCore, type Lean } from "./bank-core.js";
import type { BlueprintDoc } from "./blueprint.model.js";
import { toBlueprint } from "./question.presenter.js";

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

/** Where a version is drawn: the cell of its type and chapter in each of its categories. */
export interface DrawnCells {
  type: string;
  chapter: string;
  categories: readonly string[];
}

/**
 * One question's change as cells see it: the version new papers draw now (null: none, e.g. a new
 * or quarantined question) and the one they draw after (null: none, retired or quarantined).
 */
export interface CellChange {
  before: DrawnCells | null;
  after: DrawnCells | null;
}

/** The fill check of several changes in a row (see `fillCheck`). */
export interface FillCheck {
  /** The blueprints in use that `change` would leave short, after the changes recorded so far. */
  shortsOf(change: CellChange): Promise<BlueprintInUseShort[]>;
  /** Counts an accepted change against the later checks (pending mode only; else it is written). */
  record(change: CellChange): void;
}

/** The blueprints a refusal lists in its message and details at most (the rest are counted). */
const MAX_NAMED = 5;
const MAX_DETAILED = 20;

const cellKey = (code: string, type: string, chapter: string) => `${code}\u0000${type}\u0000${chapter}`;

/** A blueprint in use and why: the category's current version, and the sessions that pinned it. */
interface InUse {
  blueprint: Blueprint;
  current: boolean;
  sessions: number;
}

/**
 * Keeps the blueprints in use fillable. Papers are drawn from the published bank at check-in by the
 * version a session pinned, so a change that shrinks a cell below its count fails every check-in
 * of those sessions on the exam morning. The blueprints in use are the category's current
 * published version (the next session pins it) and every version pinned by a session that is
 * neither cancelled nor over (scheduling's `pinnedBlueprints` port; absent, only the current one).
 * A change's check runs inside its own transaction, under the category's guard (bank-guard.ts), so
 * two changes each leaving exactly enough cannot both commit; a dry run reads the bank as it
 * stands and takes no guard.
 */
export function createBankInUse(core: BankCore) {
  const { Questions, Blueprints, deps } = core;
  const Guards = bankGuardModel(core.ctx.conn);

  /** The blueprints in use for these categories, each with why it is in use: current ones first. */
  async function blueprintsInUse(codes: readonly CategoryCode[], session: ClientSession | null) {
    const inUse = new Map<string, InUse>();
    const key = (id: string, version: number) => `${id}\u0000${version}`;
    for (const code of codes) {
      const current = await core.getCurrentBlueprint(code, session ?? undefined);
      if (current)
        inUse.set(key(current.id, current.version), { blueprint: current, current: true, sessions: 0 });
    }
    const pinned = deps.pinnedBlueprints ? await deps.pinnedBlueprints(codes, session ?? undefined) : [];
    const missing = pinned.filter((p) => !inUse.has(key(p.blueprint.id, p.blueprint.version)));
    const docs = missing.length
      ? await Blueprints.find({
          $or: missing.map((p) => ({ blueprintId: p.blueprint.id, version: p.blueprint.version })),
        })
          .session(session)
          .lean<BlueprintDoc[]>()
      : [];
    for (const doc of docs)
      inUse.set(key(doc.blueprintId, doc.version), {
        blueprint: toBlueprint(doc),
        current: false,
        sessions: 0,
      });
    for (const p of pinned) {
      const entry = inUse.get(key(p.blueprint.id, p.blueprint.version));
      if (entry) entry.sessions += p.sessions;
    }
    return [...inUse.values()];
  }

  /**
   * A fill check for one or more changes in one transaction `session` (null: a dry run, which
   * reads the bank as it stands, takes no guard and writes nothing). The blueprints in use are read
   * once per category and the guards taken once. With `pending`, the caller writes nothing until
   * every change is checked (a batch, a dry run): each cell is counted once and the changes it
   * `record`s count against the later checks. Without, the caller writes each accepted change
   * before the next check, which then counts its cell afresh.
   */
  function fillCheck(session: ClientSession | null, options: { pending: boolean }): FillCheck {
    const inUseOf = new Map<string, InUse[]>();
    const guarded = new Set<string>();
    const counted = new Map<string, number>();
    const delta = new Map<string, number>();

    async function inUseFor(codes: CategoryCode[]): Promise<InUse[]> {
      const unread = codes.filter((c) => !inUseOf.has(c));
      if (unread.length) {
        for (const c of unread) inUseOf.set(c, []);
        for (const entry of await blueprintsInUse(unread, session))
          inUseOf.get(entry.blueprint.categoryCode)?.push(entry);
      }
      const all = codes.flatMap((c) => inUseOf.get(c) ?? []);
      return [...all.filter((e) => e.current), ...all.filter((e) => !e.current)];
    }

    /** Who can still be drawn in the cell: one count per question (one published version each). */
    async function pool(code: CategoryCode, type: QuestionType, chapter: string): Promise<number> {
      const key = cellKey(code, type, chapter);
      let n = options.pending ? counted.get(key) : undefined;
      if (n === undefined) {
        n = await Questions.countDocuments({ ...eligibleFilter(code), type, chapter }).session(session);
        if (options.pending) counted.set(key, n);
      }
      return n + (delta.get(key) ?? 0);
    }

    return {
      // Only the cell the published version fills can shrink, by one, in each of its categories; a
      // version after it that keeps the type, chapter and category shrinks nothing there.
      async shortsOf({ before, after }) {
        if (!before) return [];
        const stays = (code: string) =>
          !!after &&
          after.type === before.type &&
          after.chapter === before.chapter &&
          after.categories.includes(code);
        const codes = (before.categories as CategoryCode[]).filter((c) => !stays(c));
        if (codes.length === 0) return [];
        const unguarded = codes.filter((c) => !guarded.has(c));
        if (session && unguarded.length) {
          await takeBankGuards(Guards, unguarded, session);
          for (const c of unguarded) guarded.add(c);
        }
        const type = before.type as QuestionType;
        const shorts: BlueprintInUseShort[] = [];
        for (const { blueprint, current, sessions } of await inUseFor(codes)) {
          const code = blueprint.categoryCode;
          const cell = mergeCells(blueprint).find((c) => c.type === type && c.chapter === before.chapter);
          if (!cell) continue;
          const available = (await pool(code, type, before.chapter)) - 1;
          if (available >= cell.count) continue;
          shorts.push({
            id: blueprint.id,
            version: blueprint.version,
            title: blueprint.title,
            current,
            sessions,
            shortfalls: [
              { categoryCode: code, type, chapter: before.chapter, needed: cell.count, available },
            ],
          });
        }
        return shorts;
      },

      record({ before, after }) {
        if (!options.pending) return;
        const add = (cells: DrawnCells, n: number) => {
          for (const code of cells.categories) {
            const key = cellKey(code, cells.type, cells.chapter);
            delta.set(key, (delta.get(key) ?? 0) + n);
          }
        };
        if (before) add(before, -1);
        if (after) add(after, 1);
      },
    };
  }

  /** Why `change` must not commit (`bank_in_use`), or null; inside its transaction, before its writes. */
  async function refusalOf(change: BankChange, session: ClientSession): Promise<AppError | null> {
    const row = { type: 1, chapter: 1, categories: 1 } as const;
    const before = await Questions.findOne(
      { questionId: change.questionId, status: "published", quarantined: { $ne: true } },
      row,
    )
      .session(session)
      .lean<Pick<Lean, "type" | "chapter" | "categories">>();
    // Not drawn now (a new question, a quarantined one): the change can only add to the bank.
    if (!before) return null;
    const after =
      change.afterVersion === null
        ? null
        : await Questions.findOne(
            { questionId: change.questionId, version: change.afterVersion, quarantined: { $ne: true } },
            row,
          )
            .session(session)
            .lean<Pick<Lean, "type" | "chapter" | "categories">>();
    const shorts = await fillCheck(session, { pending: false }).shortsOf({ before, after });
    return shorts.length ? bankInUse(change.verb, shorts) : null;
  }

  return {
    fillCheck,

    /**
     * Inside the change's transaction, before its writes: refuses with 409 `bank_in_use`, naming
     * the blueprints and their short cells, when `change` would leave a blueprint in use unable to
     * fill a paper. The caller's transaction then aborts, so nothing is written.
     */
    async assertStillFills(change: BankChange, session: ClientSession): Promise<void> {
      const refusal = await refusalOf(change, session);
      if (refusal) throw refusal;
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
      return core.eligibleSnapshots(categoryCode, session);
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
