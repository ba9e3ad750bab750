import type { Connection } from "mongoose";
import { duplicateKeyFields, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { attemptModel, ONE_ATTEMPT_INDEX, SITTING_KEY } from "./attempt.model.js";

/** How many duplicate pairs (and attempt ids per pair) a refusal names: enough to start cleaning. */
const SHOWN = 5;
/** MongoDB's IndexNotFound: another instance starting at the same moment dropped it first. */
const INDEX_NOT_FOUND = 27;
/** MongoDB's NamespaceNotFound: listIndexes on a collection that does not exist. */
const NAMESPACE_NOT_FOUND = 26;

/** The (session, candidate) pairs holding more than one attempt: how many, and the first few. */
export interface DuplicateAttempts {
  pairs: number;
  first: { sessionId: unknown; candidateId: unknown; attemptIds: unknown[] }[];
}

/**
 * The (session, candidate) pairs holding more than one attempt, in order, with their attempt ids:
 * what the start-up check counts and what its refusal tells the operator to run in mongosh, one
 * object so the printed command cannot drift from the check.
 */
const DUPLICATE_PAIRS = [
  {
    $group: {
      _id: { sessionId: "$sessionId", candidateId: "$candidateId" },
      n: { $sum: 1 },
      ids: { $push: "$_id" },
    },
  },
  { $match: { n: { $gt: 1 } } },
  { $sort: { _id: 1 } },
];
/** Grouping every attempt of a long-lived node may pass the in-memory stage limit. */
const AGGREGATE_OPTIONS = { allowDiskUse: true };

/** Reads which (session, candidate) pairs hold more than one attempt; changes nothing. */
export async function findDuplicateAttempts(conn: Connection): Promise<DuplicateAttempts> {
  const Attempts = attemptModel(conn);
  const [found] = await Attempts.collection
    .aggregate<{
      count: { n: number }[];
      first: { _id: { sessionId: unknown; candidateId: unknown }; ids: unknown[] }[];
    }>(
      [
        ...DUPLICATE_PAIRS,
        {
          $facet: {
            count: [{ $count: "n" }],
            first: [{ $limit: SHOWN }, { $project: { ids: { $slice: ["$ids", SHOWN] } } }],
          },
        },
      ],
      AGGREGATE_OPTIONS,
    )
    .toArray();
  return {
    pairs: found?.count[0]?.n ?? 0,
    first: (found?.first ?? []).map((p) => ({
      sessionId: p._id.sessionId,
      candidateId: p._id.candidateId,
      attemptIds: p.ids,
    })),
  };
}

/**
 * Throws `duplicate_attempts` (after logging it) when some candidate has two attempts in one
 * session: the unique index cannot be built over them, and the node must not choose which sitting
 * stands (either could carry a result). An operator decides with the exam office; nothing here
 * deletes an attempt.
 */
async function refuseDuplicates(conn: Connection, logger: Logger): Promise<void> {
  const found = await findDuplicateAttempts(conn);
  if (found.pairs === 0) return;
  const ids = found.first.flatMap((p) => p.attemptIds.map(String));
  logger.error(
    { pairs: found.pairs, first: found.first },
    "duplicate exam attempts: the unique index on (sessionId, candidateId) cannot be built; the node does not start",
  );
  // JSON is valid mongosh input, so the command is the check's own pipeline, printed.
  const collection = attemptModel(conn).collection.collectionName;
  const find = `db.${collection}.aggregate(${JSON.stringify(DUPLICATE_PAIRS)}, ${JSON.stringify(AGGREGATE_OPTIONS)})`;
  throw errors.conflict(
    "duplicate_attempts",
    `考试记录重复：${found.pairs} 组“场次 + 考生”各有不止一条考试记录（前几条：${ids.join("、")}），节点拒绝启动。` +
      `请运维人员会同考务办公室逐组确定哪一次考试有效，将其余记录（连同 exam_papers 中同一编号的试卷及其成绩）备份后移出 exam_attempts，再重新启动；` +
      `系统不会自动删除任何考试记录。查找命令（mongosh）：${find}\n` +
      `Duplicate exam attempts: ${found.pairs} (session, candidate) pair(s) have more than one attempt ` +
      `(first: ${ids.join(", ")}); the node refuses to start. With the exam office, decide for each pair which ` +
      `sitting stands, back up and move the others (and their exam_papers entry and result) out of exam_attempts, ` +
      `then start again; roadcert never deletes attempts itself. Find them in mongosh with: ${find}`,
    found,
  );
}

/**
 * Builds the attempts' indexes before the node serves, replacing the non-unique
 * `{sessionId, candidateId}` index that nodes from before the one-attempt rule carry: MongoDB
 * does not turn an index unique in place, and a unique one on the same keys under any name is
 * refused beside it (IndexOptionsConflict, 85). So, while the unique index is missing: refuse over
 * duplicates, drop the old index, create the new one. A duplicate written in the moment between
 * (another instance still serving) fails the build with E11000 and is refused the same way, and
 * the next start, finding neither index, checks again.
 */
export async function ensureAttemptIndexes(conn: Connection, logger: Logger): Promise<void> {
  const Attempts = attemptModel(conn);
  await Attempts.init();
  // No collection yet (a new node, or one dropped since the model was registered): no indexes.
  const existing: { name: string; key: Record<string, unknown> }[] = await Attempts.collection
    .listIndexes()
    .toArray()
    .then((specs) =>
      specs.map((spec: { name?: unknown; key?: unknown }) => ({
        name: String(spec.name),
        key: spec.key as Record<string, unknown>,
      })),
    )
    .catch((err: unknown) => {
      if ((err as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return [];
      throw err;
    });
  if (!existing.some((index) => index.name === ONE_ATTEMPT_INDEX)) {
    await refuseDuplicates(conn, logger);
    const sameKeys = existing.filter(
      (index) =>
        JSON.stringify(index.key) === JSON.stringify(SITTING_KEY) && index.name !== ONE_ATTEMPT_INDEX,
    );
    for (const old of sameKeys) {
      await Attempts.collection.dropIndex(old.name).catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== INDEX_NOT_FOUND) throw err;
      });
      logger.warn(
        { index: old.name, replacedBy: ONE_ATTEMPT_INDEX },
        "dropped the attempts' non-unique sitting index; building the unique one",
      );
    }
  }
  try {
    await Attempts.createIndexes();
  } catch (err) {
    if (duplicateKeyFields(err)) await refuseDuplicates(conn, logger);
    throw err;
  }
}
