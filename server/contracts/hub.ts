/**
 * The national hub's inter-node interfaces, in the style of MOT's interface specifications:
 * 1. collection (数据资源采集, province → hub), 2. catalog service (数据资源目录服务, hub → province).
 * These schemas are the one source of truth: the routes validate with them and the OpenAPI
 * documents are generated from them. Every message is signed per RFC 9421 (server/sharing).
 *
 * One import for all of them; each concern is written in its own module:
 * hub-base (codes, bounds), hub-registry (nodes, keys, status lists), hub-collection (records,
 * receipts, conformance records), hub-catalog (lookups, change feed), hub-province (a province's
 * queue and register import), hub-operator (the operator's lists). The monthly report is
 * hub-report.
 */
export { DivisionCode, MAX_LOOKUP_MATCHES, MAX_PAGE_SIZE, MAX_REJECT_REASONS, ProvinceCode, UpdateTime } from "./hub-base.js";
export * from "./hub-registry.js";
export * from "./hub-collection.js";
export * from "./hub-catalog.js";
export * from "./hub-province.js";
export * from "./hub-operator.js";
