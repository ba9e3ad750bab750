/**
 * Question bank (题库): questions, their review workflow and versions, blueprints (组卷方案) per
 * practitioner category, paper assembly, item statistics and import/export.
 *
 * Glossary
 * - question version: one immutable-once-published state of a question; editing a published
 *   question creates version n+1, old versions stay for the papers that used them.
 * - blueprint: per category, how many questions of each type × chapter, minutes, pass mark,
 *   scoring, retake policy; versioned, and a session pins one version.
 * - paper: one candidate's frozen questions (server/contracts/paper.ts), built by `assemblePaper`
 *   deterministically from a seed so it can be rebuilt for audit.
 * - quarantine: an item with negative discrimination kept out of new papers until released.
 * - import report: per file and item, what an import did; a skipped or invalid item carries a
 *   stable `code` for software (ImportItemCode, meanings in IMPORT_ITEM_CODES) beside the Chinese
 *   notes people read.
 *
 * Other features use only what this file exports.
 */
export { assemblePaper, checkFeasibility, type AssemblyInput } from "./assembly.js";
export {
  computeItemStats,
  pointBiserial,
  DEFAULT_ITEM_STATS_OPTIONS,
  type ItemStatsOptions,
} from "./item-stats.js";
export { createRng, shuffle, type Rng } from "./prng.js";
export {
  SYSTEM_ACTOR,
  type Actor,
  type AuditInput,
  type AuditPort,
  type PinnedBlueprint,
  type PinnedBlueprintsPort,
  type ResponsesPort,
} from "./ports.js";
export {
  createQuestionBankService,
  STATUS_LABEL,
  type QuestionBankService,
  type QuestionBankDeps,
  type QuestionListQuery,
} from "./question-bank.service.js";
export {
  importQuestionBankFiles,
  seedSampleBanks,
  readSampleBankFiles,
  parseImportFile,
  parseImportFileAsync,
  detectFormat,
  type ImportFile,
  type ImportOptions,
  type ImportProgress,
} from "./question-import.service.js";
export { importStop, stopSummary, type ImportStop } from "./import-stop.js";
export { toGift, toMoodleXml, toXlsx } from "./question-export.js";
export { openImportFile, IMPORT_MAX_BYTES, type OpenedFile } from "./import-readers.js";
export { IMAGE_MAX_BYTES, sniffImageType } from "./image.store.js";
export { roadcertJsonSchemas, schemaFileText } from "./json-schema.js";
export { checkBankFiles, type BankCheck, type CategoryCheck } from "./bank-check.js";
export { questionBankFeature } from "./question-bank.feature.js";
export { backfillContentHashes } from "./content-backfill.js";
