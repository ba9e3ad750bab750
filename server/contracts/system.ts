/**
 * GET /api/system: what this node is and what it runs, so the browser shows only the pages the
 * node serves (the hub has no registration, scheduling, question banks or exam rooms) and every
 * time in the node's zone, whatever the browser's.
 */
export interface SystemInfoDto {
  role: "province" | "hub";
  /** GB/T 2260 province code, null on the hub. */
  provinceCode: string | null;
  /** "江苏省"; null on the hub. */
  provinceName: string | null;
  nodeName: string;
  /** IANA time zone every page shows times in (config TIME_ZONE, default Asia/Shanghai). */
  timeZone: string;
  /** Names of the features this node runs (server/features.ts), e.g. "scheduling", "question-bank". */
  features: string[];
}
