import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { Paper } from "../contracts/paper.js";
import {
  BlueprintInput,
  BlueprintShape,
  type BankQuestionSnapshot,
  type BlueprintDto,
  type FeasibilityDto,
} from "../contracts/question-bank.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { assemblePaper, checkFeasibility, shortfallText } from "./assembly.js";
import { parseInput, type BankCore } from "./bank-core.js";
import type { BankInUse } from "./bank-in-use.js";
import type { BlueprintDoc } from "./blueprint.model.js";
import type { Actor } from "./ports.js";
import { toBlueprint, toBlueprintDto } from "./question.presenter.js";
import { inHundredths } from "../contracts/points.js";

/**
 * Refuses (`bank_insufficient`) a blueprint the published questions cannot fill, naming the short
 * cells: published, it would fail every check-in of every session pinned to it. Every way a
 * blueprint becomes published asks this (saving, publishing a draft, importing as published).
 */
export function assertBankFills(
  questions: readonly BankQuestionSnapshot[],
  b: Pick<BlueprintInput, "categoryCode" | "cells">,
): void {
  const { shortfalls } = checkFeasibility(questions, b);
  if (shortfalls.length)
    throw errors.unprocessable("bank_insufficient", `题库不足，不能发布：${shortfallText(shortfalls)}`, {
      shortfalls,
    });
}

/**
 * Blueprints (组卷方案): versions per category (published ones never change; sessions pin them),
 * feasibility against the published bank, and paper assembly from a blueprint.
 */
export function createBlueprints(core: BankCore, inUse: BankInUse) {
  const { Blueprints, audited, audit, eligibleSnapshots, getBlueprint, getCurrentBlueprint } = core;

  /**
   * Inside the publishing transaction, under the category's guard: a retirement or quarantine
   * committing meanwhile conflicts with the publication (one is retried and sees the other)
   * instead of each passing its own check and together leaving the new version short.
   */
  const assertFillable = async (b: Pick<BlueprintInput, "categoryCode" | "cells">, session: ClientSession) =>
    assertBankFills(await inUse.eligibleUnderGuard(b.categoryCode, session), b);

  return {
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
        if (options.publish) await assertFillable(input, session);
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
        ).catch((err: unknown) => {
          // `last` was read before the transaction: another save (a double submit) took the number.
          throw isDuplicateKey(err, "version")
            ? errors.conflict("blueprint_changed", "组卷方案已被他人修改，请刷新后重试")
            : err;
        });
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

    /**
     * Publishes a draft blueprint version; it becomes the category's current blueprint. The
     * blueprint decides the pass mark and the paper, so it is published by someone other than its
     * author, only while no later version is published (the newest published version is the
     * current one, here and on the page), and only when the bank can fill it (otherwise every
     * check-in of every session pinned to it would fail).
     */
    async publishBlueprint(actor: Actor, id: string, version: number): Promise<BlueprintDto> {
      const draft = await Blueprints.findOne({ blueprintId: id, version }).lean<BlueprintDoc>();
      if (!draft || draft.status !== "draft")
        throw errors.conflict("invalid_transition", "只有草稿状态的组卷方案可以发布");
      if (draft.createdBy === actor.id)
        throw errors.forbidden("组卷方案须由起草人以外的审核人发布", "own_blueprint");
      return audited(async (session) => {
        const newer = await Blueprints.exists({
          blueprintId: id,
          status: "published",
          version: { $gt: version },
        }).session(session);
        if (newer)
          throw errors.conflict(
            "blueprint_superseded",
            `已有更新的版本发布，第 ${version} 版不能再发布；请在现行版本基础上另存新版本`,
          );
        await assertFillable(toBlueprint(draft), session);
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
      // The bare shape: whether the bank can fill the cells does not wait for a valid pass mark.
      const input = parseInput(BlueprintShape, raw);
      const { cells, shortfalls } = checkFeasibility(await eligibleSnapshots(input.categoryCode), input);
      return {
        feasible: shortfalls.length === 0,
        cells,
        shortfalls,
        totalQuestions: cells.reduce((s, c) => s + c.needed, 0),
        // In hundredths, as the paper and the blueprint's pass-mark check sum (contracts/points.ts).
        totalPoints: cells.reduce((s, c) => s + c.needed * inHundredths(input.points[c.type]), 0) / 100,
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
  };
}
