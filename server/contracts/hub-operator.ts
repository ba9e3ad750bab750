import { z } from "zod";
import { ProvinceCode } from "./hub-base.js";
import { wholeNumber } from "./validation.js";
import type { RejectReason } from "./hub-collection.js";

/** What the hub operator's pages list: the message log and the rejected records. */

/**
 * One entry of a node's message log as the hub operator's page lists it (GET /api/hub/messages):
 * who, what and how it ended, and the entry's hash. The signatures, digests and the link to the
 * entry before stay in the log, for the chain's verification.
 */
export interface MessageLogEntryDto {
  seq: number;
  at: string;
  direction: "in" | "out";
  peer: string;
  keyId: string | null;
  nonce: string | null;
  method: string;
  target: string;
  status: number | null;
  outcome: "processed" | "replayed" | "refused" | "failed";
  code: string | null;
  hash: string;
}

/** A record the hub rejected, as the operator's page lists it (GET /api/hub/rejections). */
export interface RejectionEntryDto {
  at: string;
  sourceProvince: string;
  batchId: string;
  recordId: string | null;
  version: number | null;
  reasons: RejectReason[];
}

/**
 * How the operator decided a home contest: still open, the home reassigned to the claimant, or
 * dismissed (the current home is right, it stays).
 */
export const HomeContestState = z.enum(["open", "reassigned", "dismissed"]);
export type HomeContestState = z.infer<typeof HomeContestState>;

/**
 * A home contest (主管省份争议) as the hub operator's page lists it (GET /api/hub/home-contests): a
 * province's record refused home_contested because the practitioner's home holds no valid
 * certificate of them. `stale`: the pointer changed since the last refusal, so the contest waits
 * for the claimant's re-send before the home can be reassigned (it may still be dismissed).
 */
export interface HomeContestDto {
  contestId: string;
  idNumber: string;
  name: string;
  homeProvince: string;
  claimant: string;
  recordType: "exam_pass" | "certificate";
  firstAt: string;
  lastAt: string;
  attempts: number;
  state: HomeContestState;
  stale: boolean;
  resolvedAt: string | null;
  resolvedBy: string | null;
  reason: string | null;
}

/**
 * Where the next page of the contest list starts: the `next` the previous page answered, the last
 * row's refusal time and id (`<time ISO>~<contestId>`, see `newestPage`). The contests one batch
 * raised share one refusal time, so a cursor of the time alone lost the rest of the batch.
 */
const TimeUuidCursor = z
  .string()
  .max(64)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    "不是本列表给出的翻页位置",
  );

/** The operator's filter of the contest list, newest refusal first, a page at a time. */
export const HomeContestQuery = z.strictObject({
  state: HomeContestState.default("open"),
  limit: wholeNumber(1, 200).default(50),
  /** One claimant province's contests. */
  claimant: ProvinceCode.optional(),
  /** One practitioner's contests. */
  idNumber: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^\d{17}[\dX]$/, "须为 18 位身份证号码")
    .optional(),
  /** Where the next page starts: the `next` the previous page answered. */
  before: TimeUuidCursor.optional(),
});
export type HomeContestQuery = z.infer<typeof HomeContestQuery>;

/** GET /api/hub/home-contests: one page, how many match in all, and where the next page starts (or null). */
export interface HomeContestListDto {
  contests: HomeContestDto[];
  total: number;
  next: string | null;
}

/** The operator's reassignment of a contested home: why, as the audit log keeps it. */
export const ReassignHomeBody = z.strictObject({
  reason: z.string().trim().min(2, "请说明改定主管省份的依据").max(500),
});
export type ReassignHomeBody = z.infer<typeof ReassignHomeBody>;

/** The operator's dismissal of a contest (the current home is right): why, as the audit log keeps it. */
export const DismissContestBody = z.strictObject({
  reason: z.string().trim().min(2, "请说明驳回争议、维持现主管省份的依据").max(500),
});
export type DismissContestBody = z.infer<typeof DismissContestBody>;
