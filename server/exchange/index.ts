/**
 * Cross-province exchange (跨省数据交换, issue 13): the third inter-node interface, beside the
 * hub's collection and catalog interfaces. A province files a practitioner certified elsewhere
 * (异地备案), transfers one (转籍) or reports a penalty home (抄告); the hub checks the case
 * against its pointer index and the cited lookup, holds it, and the home province pulls it,
 * answers (acknowledged / problem) within a configured deadline, or is escalated when it does not.
 *
 * Glossary: a *case* is one filing, transfer or notice, identified by the sender's `caseId`; its
 * *state* is sent → delivered → acknowledged | problem (→ ended: a filing ended or a transfer
 * withdrawn by its sender, a notice withdrawn once its home disputed it); the *inbox* is what
 * the hub holds for a province, read with a cursor whose advance confirms delivery; *out* and *in*
 * are a province's sent and received cases; the *responsible division* is the office of the home
 * province that issued the certificate (the in-box is scoped by it, the out-box by the sender's).
 *
 * For the hub's monthly report: `createExchangeStats(conn).stats({ from, to })` gives per province
 * and kind the cases sent, received, answered, problems, answer time (median, p95) and overdue
 * counts; the raw collections are `exchange_cases` and `exchange_inbox` (hub-exchange.models.ts).
 */
export { createExchangeStats, type ExchangeStats } from "./exchange-stats.js";
export { createExchangeTransport, type ExchangeTransport } from "./exchange-transport.js";
export { createHubExchangeService, type AckHours, type HubExchangeService } from "./hub-exchange.service.js";
export { createProvinceExchangeService, type ProvinceExchangeService } from "./province-exchange.service.js";
export { toCaseDto } from "./province-case-dto.js";
export { EXCHANGE_API_PREFIX } from "./hub-exchange.routes.js";
export type { CertificateView } from "./practitioner-page.js";
export type { TransferSource } from "./transfer-source.js";
export { createExchangeHubFeature, createExchangeProvinceFeature, type ProvinceExchangeFeature } from "./exchange.feature.js";
