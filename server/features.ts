import { createAuditService } from "./audit/index.js";
import type { Feature, FeatureContext } from "./feature.js";
import { questionBankFeature } from "./question-bank/index.js";

/**
 * The features this node runs, in mounting order (identity first: its session middleware must run
 * before any other router). Each feature is reached only through its own index.ts.
 */
export function createFeatures(ctx: FeatureContext): Feature[] {
  const features: Feature[] = [];
  features.push(questionBankFeature(ctx, { audit: createAuditService(ctx.conn) }));
  return features;
}
