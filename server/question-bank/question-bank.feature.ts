import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import {
  createBankParts,
  createQuestionBankService,
  type QuestionBankDeps,
  type QuestionBankService,
} from "./question-bank.service.js";
import { questionBankRouter } from "./question-bank.routes.js";
import { importQuestionBankFiles } from "./question-import.service.js";
import { backfillContentHashes } from "./content-backfill.js";

/** The question bank as a node feature: its service (for other features) and its REST routes. */
export function questionBankFeature(
  ctx: FeatureContext,
  deps: QuestionBankDeps & { access: Access },
): Feature & { service: QuestionBankService } {
  // One bank machinery for the service and the import: the import's published versions and
  // blueprints are checked against the blueprints in use, sessions' pinned versions included, as a
  // retirement is (bank-in-use.ts).
  const parts = createBankParts(ctx, deps);
  const service = createQuestionBankService(ctx, deps, parts);
  const router = questionBankRouter(ctx, service, deps.access, (files, options) =>
    importQuestionBankFiles(ctx, files, { ...options, audit: deps.audit, bankInUse: parts.inUse }),
  );
  return {
    name: "question-bank",
    router,
    service,
    // The content hashes of versions written before they existed or by an earlier generation of
    // the hash (content-hash.ts; an import's question_exists check reads them); after the first
    // completed backfill a start is one lookup of its marker (content-backfill.ts).
    async start() {
      const hashed = await backfillContentHashes(ctx.conn);
      if (hashed) ctx.logger.info({ hashed }, "question content hashes backfilled");
    },
  };
}
