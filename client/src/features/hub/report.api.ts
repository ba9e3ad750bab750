import type { Dashboard, MonthReport, PublishedReportSummary } from "@contracts/hub-report.js";
import { api } from "@/shared/api.js";

export { formatShare } from "./report-view.js";

/** REST calls of the hub's monthly report and live dashboard pages. */
export const reportApi = {
  /** The month's figures; a published month's as signed (any signed format, /1 included). */
  month: (month: string) => api.get<MonthReport>(`/api/hub/report/months/${month}`),
  csvUrl: (month: string) => `/api/hub/report/months/${month}/report.csv`,
  publish: (month: string) => api.post<PublishedReportSummary>(`/api/hub/report/months/${month}/publish`, {}),
  published: () => api.get<PublishedReportSummary[]>("/api/hub/report/published"),
  downloadUrl: (month: string) => `/api/hub/v1/reports/${month}`,
  dashboard: () => api.get<Dashboard>("/api/hub/report/dashboard"),
};

/** Seconds as people read a delay: 秒, 分钟, 小时 or 天. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)} 秒`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} 小时`;
  return `${(seconds / 86400).toFixed(1)} 天`;
}

export const EXCHANGE_KIND_LABELS = { filing: "异地备案", transfer: "转籍", notice: "抄告" } as const;
