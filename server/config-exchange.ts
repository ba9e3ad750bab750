import { z } from "zod";
import { envInt } from "./config-values.js";

/**
 * The environment keys of cross-province exchange (answer deadlines at the hub, a province's
 * inbox polling and upload sweep), with the settings they become. Part of config.ts's key list,
 * kept apart by concern.
 */
/** Hours a receiving province has to issue on a transfer the home agreed to (EXCHANGE_TRANSFER_ISSUE_HOURS). */
export const DEFAULT_TRANSFER_ISSUE_HOURS = 240;

export const ExchangeKeys = z.object({
  /** Hours the home province has to answer an off-site filing (the paper process took up to 30 days). */
  EXCHANGE_FILING_ACK_HOURS: envInt(1, 24 * 60).default(72),
  /** Hours to answer a transfer (转籍) request. */
  EXCHANGE_TRANSFER_ACK_HOURS: envInt(1, 24 * 60).default(120),
  /**
   * Hours the receiving province has to issue its certificate on a transfer the home agreed to
   * (转籍换发); past them the hub escalates the case to both provinces. Agreed, the hub already
   * names the receiving province as home while the former home's certificate stays valid.
   */
  EXCHANGE_TRANSFER_ISSUE_HOURS: envInt(1, 24 * 60).default(DEFAULT_TRANSFER_ISSUE_HOURS),
  /** Hours to answer an enforcement notice (抄告); US CDLIS allows 10 days for out-of-state convictions. */
  EXCHANGE_NOTICE_ACK_HOURS: envInt(1, 24 * 60).default(240),
  /** How often a province pulls its exchange inbox and retries unsent cases, in ms. */
  EXCHANGE_POLL_MS: envInt(50, 600_000).default(2000),
  /**
   * How long a province's inbox request may wait at the hub for its next message (long poll: the
   * notice arrives as soon as it is held instead of at the next poll); 0 asks and returns at once.
   * Kept under the signed client's 15 s timeout.
   */
  EXCHANGE_PULL_WAIT_MS: envInt(0, 10_000).default(10_000),
  /**
   * Hours a notice document uploaded at a province is kept while no notice names it (the officer
   * uploaded and never sent); then a sweep removes it. Documents a notice names are kept.
   */
  EXCHANGE_UPLOAD_TTL_HOURS: envInt(1, 24 * 30).default(24),
});

/** The `exchange` settings of the configuration (config.ts). */
export function exchangeSettings(e: z.infer<typeof ExchangeKeys>) {
  return {
    ackHours: {
      filing: e.EXCHANGE_FILING_ACK_HOURS,
      transfer: e.EXCHANGE_TRANSFER_ACK_HOURS,
      notice: e.EXCHANGE_NOTICE_ACK_HOURS,
    },
    transferIssueHours: e.EXCHANGE_TRANSFER_ISSUE_HOURS,
    pollMs: e.EXCHANGE_POLL_MS,
    pullWaitMs: e.EXCHANGE_PULL_WAIT_MS,
    uploadTtlHours: e.EXCHANGE_UPLOAD_TTL_HOURS,
  };
}
