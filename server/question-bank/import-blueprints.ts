import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { BankQuestionSnapshot, BlueprintInput } from "../contracts/question-bank.js";
import type { Lean } from "./bank-core.js";
import type { ImportReport } from "../contracts/question-import.js";
import type { FeatureContext } from "../feature.js";
import { eligibleSnapshotsOf } from "./bank-core.js";
import type { ImportBankCheck } from "./import-in-use.js";
import { blueprintModel, type BlueprintDoc } from "./blueprint.model.js";
import { assertBankFills } from "./blueprints.js";
import { SYSTEM_ACTOR } from "./ports.js";
import type { ImportOptions } from "./question-import.service.js";
import { questionVersionModel } from "./question.model.js";
import { toBlueprint, toSnapshot } from "./question.presenter.js";

/** The import writer's commit: `work` and the entry of `details` as one transaction. */
export type ImportCommit = (
  details: () => Record<string, unknown>,
  work: (session: ClientSession) => Promise<void>,
) => Promise<void>;

/**
 * Writes an import file's blueprints, after its questions: each a new version unless the latest
 * one is the same, one commit for them all. `bankCheck.eligibleUnderGuard` is the bank's fill check
 * (bank-in-use.ts): a published blueprint must be fillable by the published bank; a dry run adds
 * the questions its earlier files would have published (`bankCheck.plannedRefs`).
 */
export function createBlueprintImport(
  ctx: Pick<FeatureContext, "conn">,
  options: ImportOptions,
  commit: ImportCommit,
  bankCheck: Pick<ImportBankCheck, "eligibleUnderGuard" | "plannedRefs">,
) {
  const { eligibleUnderGuard } = bankCheck;
  const Questions = questionVersionModel(ctx.conn);
  const Blueprints = blueprintModel(ctx.conn);
  const actor = options.actor ?? SYSTEM_ACTOR;
  const dryRun = options.dryRun ?? false;
  // A blueprint decides the pass mark and the paper of every session pinned to it, so a person's
  // blueprint is published by someone else (publishBlueprint), never by their own save or import,
  // an admin's neither (the save and import routes refuse publish_not_allowed, and so does
  // importQuestionBankFiles for a person's import). Only the system's imports (seeding a node,
  // the operator's bank:import CLI) publish them.
  const publish = Boolean(options.publish) && actor.id === SYSTEM_ACTOR.id;

  return async function blueprints(inputs: BlueprintInput[]): Promise<ImportReport["blueprints"]> {
    const out: ImportReport["blueprints"] = [];
    const changes: { input: BlueprintInput; blueprintId: string; version: number }[] = [];
    for (const bp of inputs) {
      const blueprintId = `bp-${bp.categoryCode}`;
      const last = await Blueprints.findOne({ blueprintId }).sort({ version: -1 }).lean<BlueprintDoc>();
      const same =
        last &&
        JSON.stringify(stripId(toBlueprint(last))) ===
          JSON.stringify(stripId({ ...bp, id: "", version: 0 })) &&
        (!publish || last.status === "published");
      const version = same && last ? last.version : (last?.version ?? 0) + 1;
      out.push({
        categoryCode: bp.categoryCode,
        outcome: !last ? "created" : same ? "unchanged" : "updated",
        version,
        ...statusAfter(same && last ? last.status : publish ? "published" : "draft"),
      });
      if (!same) changes.push({ input: bp, blueprintId, version });
    }
    // Published by the import as by saveBlueprint(publish): only when the published bank can fill
    // it, so a whole category's check-ins cannot fail on it. Questions of files imported before it
    // in the same run count (they are published by then). The check runs inside the commit, under
    // the category's guard (bank-in-use.ts), so a retirement committing meanwhile conflicts with it
    // instead of leaving the blueprint short. A dry run writes none: it checks the bank as it stands
    // with the questions its earlier files would have published, as the import would find it.
    if (publish && dryRun)
      for (const c of changes) {
        const stored = await eligibleSnapshotsOf(Questions, c.input.categoryCode);
        const planned = bankCheck.plannedRefs.values();
        assertBankFills(withPlanned(stored, planned, c.input.categoryCode), c.input);
      }
    if (dryRun || !changes.length) return out;
    const changed = out.filter((b) => b.outcome !== "unchanged");
    await commit(
      () => ({ blueprints: changed, blueprintStatus: publish ? "published" : "draft" }),
      async (session) => {
        for (const c of changes) {
          if (publish) assertBankFills(await eligibleUnderGuard(c.input.categoryCode, session), c.input);
          await Blueprints.create(
            [
              {
                blueprintId: c.blueprintId,
                version: c.version,
                status: publish ? "published" : "draft",
                ...c.input,
                createdBy: actor.id,
                ...(publish ? { publishedAt: new Date() } : {}),
              },
            ],
            { session },
          );
        }
      },
    );
    return out;
  };
}

/** The report's state of the version the import leaves (none for a retired one it left unchanged). */
function statusAfter(status: string): { status?: "draft" | "published" } {
  return status === "draft" || status === "published" ? { status } : {};
}

function stripId(b: BlueprintInput & { id: string; version: number }) {
  const { id: _id, version: _version, ...rest } = b;
  return { ...rest, difficultyMix: rest.difficultyMix ?? null, accommodations: rest.accommodations };
}

/**
 * The questions a paper of `code` may draw once a dry run's `planned` versions are written: each
 * published one replaces its question's stored version (or is a new question), and is drawn only
 * in its categories and without quarantine, as `eligibleFilter` says of stored ones.
 */
function withPlanned(
  stored: readonly BankQuestionSnapshot[],
  planned: Iterable<Lean>,
  code: CategoryCode,
): BankQuestionSnapshot[] {
  const byId = new Map(stored.map((q) => [q.id, q]));
  for (const doc of planned) {
    if (doc.status !== "published") continue;
    byId.delete(doc.questionId);
    if (!doc.quarantined && doc.categories.includes(code)) byId.set(doc.questionId, toSnapshot(doc));
  }
  return [...byId.values()];
}
