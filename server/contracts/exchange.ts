/**
 * 3. The cross-province exchange interface (跨省数据交换, province ↔ hub ↔ province): off-site
 * filing (异地备案), transfer (转籍) and enforcement notices (抄告). A sending province posts a
 * case to the hub; the hub stores it and the receiving province pulls it from its inbox; every
 * acknowledgement and state change travels back the same way. These schemas are the one source of
 * truth for the routes, the province pages and the OpenAPI document. By responsibility:
 * exchange-messages.ts (vocabulary and inter-node messages), exchange-pages.ts (the officer's API
 * and report figures), exchange-documents.ts (a notice's documents).
 */
export * from "./exchange-messages.js";
export * from "./exchange-pages.js";
