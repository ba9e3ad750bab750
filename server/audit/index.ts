/**
 * Audit log (审计日志): append-only, hash-chained records of security-relevant actions.
 *
 * Glossary: an *entry* has a sequence number `seq`, the `hash` of its own content and the
 * `prevHash` of the entry before it; the *chain* is valid when every hash matches its content and
 * links to its predecessor with no gaps. Services write an entry inside the transaction of the
 * change it records: `audit.transaction(async (session) => { …change…; await audit.append(session, {...}) })`;
 * an event that changes nothing else (a login, a refusal) is `audit.record({...})`. Routes never
 * call audit. Nobody updates or deletes entries.
 */
export {
  createAuditService,
  toAuditActor,
  type AuditLog,
  type AuditRecordInput,
  type AuditService,
} from "./audit.service.js";
export { auditRouter } from "./audit.routes.js";
export type { AuditReferenceNames, NamesOf } from "./reference-names.js";
export {
  canonicalJson,
  chainChecker,
  entryHash,
  findChainProblems,
  GENESIS_HASH,
  MAX_REPORTED_PROBLEMS,
} from "./audit-hash.js";

import type { Access } from "../access/index.js";
import type { Feature } from "../feature.js";
import { auditRouter as buildAuditRouter } from "./audit.routes.js";
import type { AuditService as Service } from "./audit.service.js";

/** The audit feature: admins' read and verify API over the shared audit service. */
export function createAuditFeature(audit: Service, access: Access): Feature {
  return { name: "audit", router: buildAuditRouter(audit, access) };
}
