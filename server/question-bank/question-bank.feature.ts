import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { createBankCore } from "./bank-core.js";
import { createBankInUse } from "./bank-in-use.js";
import type { AuditPort } from "./ports.js";
import {
  createQuestionBankService,
  type QuestionBankDeps,
  type QuestionBankService,
} from "./question-bank.service.js";
import { questionBankRouter } from "./question-bank.routes.js";
import { importQuestionBankFiles } from "./question-import.service.js";

/** The question bank as a node feature: its service (for other features) and its REST routes. */
export function questionBankFeature(
  ctx: FeatureContext,
  deps: QuestionBankDeps & { access: Access },
): Feature & { service: QuestionBankService } {
  const service = createQuestionBankService(ctx, deps);
  const audit: AuditPort | undefined = deps.audit;
  // The import's published versions and blueprints are checked against the blueprints in use,
  // sessions' pinned versions included, as a retirement is (bank-in-use.ts).
  const bankInUse = createBankInUse(createBankCore(ctx, deps));
  const router = questionBankRouter(ctx, service, deps.access, (files, options) =>
    importQuestionBankFiles(ctx, files, { ...options, audit, bankInUse }),
  );
  return { name: "question-bank", router, service };
}
