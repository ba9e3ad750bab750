/**
 * @roadcert/mongo-standin: a MongoDB wire-protocol server for tests and the offline demo where no
 * real MongoDB can be had, and the embedded-database chooser built on it. See README.md.
 */
export { startStandin, type Standin } from "./standin.js";
export { resolveDatabase, startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded.js";
/** One process per data folder: the lock the stand-in and the embedded database take, for launchers to take theirs. */
export { acquireDataLock, DataFolderInUseError, type DataLock, type LockHolder } from "./data-lock.js";
/** Its loop-stall and garbage-collection log, for other processes of a benchmark to record theirs alike. */
export { watchStalls } from "./stall-log.js";
/** MongoDB's rule for database names, which the stand-in enforces: for callers that check one before they start. */
export { databaseNameProblem } from "./database-names.js";
