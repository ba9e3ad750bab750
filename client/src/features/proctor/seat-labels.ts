import type { IncidentKind, SeatState, SeatViewDto } from "@contracts/exams.js";

/** Seat-map wording and colours (Element Plus tag types). */
export const SEAT_STATE_LABELS: Record<SeatState, string> = {
  not_arrived: "未到场",
  checked_in: "已签到",
  ready: "待开考",
  in_progress: "答题中",
  disconnected: "连接中断",
  submitted: "已交卷",
  voided: "已作废",
};

export const SEAT_STATE_TAGS: Record<SeatState, "info" | "primary" | "success" | "warning" | "danger"> = {
  not_arrived: "info",
  checked_in: "primary",
  ready: "primary",
  in_progress: "primary",
  disconnected: "warning",
  submitted: "success",
  voided: "danger",
};

/** The room's hand-in rule: with no wait, `开考 0 分钟后` would read as a rule that is not there. */
export function handInRule(minutes: number): string {
  return minutes > 0 ? `开考 ${minutes} 分钟后可交卷` : "开考后即可交卷";
}

export const INCIDENT_KIND_LABELS: Record<IncidentKind, string> = {
  environment: "考场环境（停电、噪声、温度等）",
  candidate: "考生（违纪、身体不适、求助）",
  staff: "工作人员",
  technical: "技术故障（网络、计算机、系统）",
};

/** Short labels for the incident list. */
export const INCIDENT_KIND_SHORT: Record<IncidentKind, string> = {
  environment: "环境",
  candidate: "考生",
  staff: "工作人员",
  technical: "技术",
};

/** The attempt is running (time is counting or paused) and the proctor can act on it. */
export function isRunning(seat: SeatViewDto): boolean {
  return seat.attemptId !== null && (seat.state === "in_progress" || seat.state === "disconnected");
}

/** `mm:ss` / `h:mm:ss` of a time left in ms: a countdown, read beside 剩 or 剩余时间. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * How long something has lasted, in words (`45 秒`, `3 分 28 秒`, `1 小时 5 分`): on a console
 * that also shows clock times, `断线 03:28` read as "went offline at 03:28".
 */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} 小时 ${m} 分`;
  return m > 0 ? `${m} 分 ${s} 秒` : `${s} 秒`;
}
