import type { Feature, FeatureContext } from "./feature.js";

/**
 * The features this node runs, in mounting order (identity first: its session middleware must run
 * before any other router). Each feature is reached only through its own index.ts.
 */
export function createFeatures(_ctx: FeatureContext): Feature[] {
  const features: Feature[] = [];
  return features;
}
