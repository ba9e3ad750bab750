import type { DivisionLevel } from "./organisation.js";

/**
 * Which division levels (部/省/市/县) a province-wide tool is for, written once: the server's access
 * policies refuse every other level (`province_level_only`, server/access/policies.ts) and the
 * client's route meta hides the page by the same list. A tool is the province's when what it shows
 * or changes is not scoped to one office: the node's whole delivery queue, the register of every
 * city, the node's whole audit chain, the province's overdue cases.
 */
export const PROVINCE_LEVELS: readonly DivisionLevel[] = ["province", "ministry"];

/**
 * The levels whose accounts run a province node's delivery queue (上报队列, with its retry) and
 * read the lookups others made of its people: an entry names no office (a pass record only the
 * province) and a retry releases the person's later records, whichever city issued them.
 */
export const SHARING_QUEUE_LEVELS: readonly DivisionLevel[] = PROVINCE_LEVELS;

/**
 * The levels that check and publish the province's legacy register (存量数据清洗) to the hub: the
 * register names holders of every city, and the hub keeps what it is sent (version 1, for good).
 */
export const LEGACY_REGISTER_LEVELS: readonly DivisionLevel[] = PROVINCE_LEVELS;

/** Who follows up overdue received cases (逾期督办): the province level (and the ministry on its own node). */
export const ESCALATION_LEVELS: readonly DivisionLevel[] = PROVINCE_LEVELS;

/** Who verifies the node's whole audit chain (every division's entries): the province level. */
export const AUDIT_VERIFY_LEVELS: readonly DivisionLevel[] = PROVINCE_LEVELS;
