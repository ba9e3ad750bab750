import { computed } from "vue";
import { ElMessage } from "element-plus";
import type { Ack } from "@contracts/errors.js";
import type { ProctorActionResultDto, SeatViewDto } from "@contracts/exams.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { confirmed, prompted, type PromptOptions } from "../../shared/confirm.js";
// eslint-disable-next-line no-restricted-imports
import { useOnce } from "../../shared/once.js";
// eslint-disable-next-line no-restricted-imports
import { formatClock } from "../../shared/time.js";

/** The dialogs and toasts the console's commands use; unit tests pass stand-ins. */
export interface ConsoleDialogs {
  confirm: (message: string, title: string, confirmText: string) => Promise<boolean>;
  prompt: (message: string, title: string, options: PromptOptions) => Promise<string | null>;
  toast: (toast: {
    type: "success" | "warning" | "info" | "error";
    message: string;
    showClose?: boolean;
  }) => void;
}

/** The console's dialogs on the page: Element Plus message boxes and toasts. */
export const elementDialogs: ConsoleDialogs = {
  confirm: (message, title, confirmText) => confirmed(message, title, confirmText),
  prompt: (message, title, options) => prompted(message, title, options),
  toast: (toast) => void ElMessage(toast),
};

/**
 * How the console tells the proctor what an action did: a toast on success (naming the candidates
 * it skipped), the server's message on failure. True when the action was done.
 */
export function reporter(toast: ConsoleDialogs["toast"]) {
  return function report<T>(
    ack: Ack<T & { affected?: string[]; skipped?: { attemptId: string; code: string }[] }>,
    done: string | ((affected: number) => string),
  ): boolean {
    if (!ack.ok) {
      toast({ type: "error", message: ack.error.message, showClose: true });
      return false;
    }
    const skipped = ack.data.skipped ?? [];
    // Seats another proctor already credited for this outage are named apart from those not in progress.
    const already = skipped.filter((s) => s.code === "already_credited").length;
    const other = skipped.length - already;
    const notes = [
      ...(already ? [`${already} 人此前已补偿过本次中断`] : []),
      ...(other ? [`${other} 人不适用已跳过`] : []),
    ];
    const said = typeof done === "string" ? done : done(ack.data.affected?.length ?? 0);
    toast({ type: notes.length ? "warning" : "success", message: [said, ...notes].join("；") });
    return true;
  };
}

/** What a release needs of the console's room (the proctor room store). */
export interface ReleaseRoom {
  readonly room: { readonly startsAt: string } | null;
  /** The page's estimate of the server's clock. */
  readonly serverNow: number;
  readonly seats: readonly SeatViewDto[];
  release: (attemptIds?: string[], earlyReason?: string) => Promise<Ack<ProctorActionResultDto>>;
}

/**
 * The console's release (开考), of the room or of one seat: asked first, with a reason when early
 * (asked again when the server's clock says early where the page's did not), then reported.
 */
export function useConsoleRelease(room: ReleaseRoom, dialogs: ConsoleDialogs = elementDialogs) {
  const report = reporter(dialogs.toast);
  const releasable = computed(
    () => room.seats.filter((s) => s.state === "ready" || s.state === "checked_in").length,
  );

  /** The early-release prompt (`said` opens it): the reason written, or null when cancelled. */
  function askEarlyReason(who: string, said: string): Promise<string | null> {
    return dialogs.prompt(said, `提前开考：${who}`, {
      confirmButtonText: "提前开考",
      type: "warning",
      inputPlaceholder: "例如：考生全部到齐，经考点主任同意",
      inputValidator: (v: string) => (v.trim().length >= 2 ? true : "请填写提前开考的理由（至少 2 个字）"),
    });
  }

  /**
   * Asks before a release and says when the session is planned to start; before that time, by the
   * page's reading of the server's clock, the proctor must write why (the server refuses an early
   * release without a reason, and audits it).
   */
  async function askRelease(who: string): Promise<{ go: boolean; earlyReason?: string }> {
    if (!room.room) return { go: false };
    const planned = formatClock(room.room.startsAt, false);
    const early = Math.ceil((new Date(room.room.startsAt).getTime() - room.serverNow) / 60_000);
    if (early > 0) {
      const reason = await askEarlyReason(
        who,
        `计划开考时间 ${planned}，现在提前 ${early} 分钟。提前开考须填写理由，理由将记入审计日志。`,
      );
      return reason ? { go: true, earlyReason: reason } : { go: false };
    }
    return { go: await dialogs.confirm(`计划开考时间 ${planned}。确认${who}开考？`, "开考", "开考") };
  }

  /**
   * Sends a release the proctor agreed to. Whether it is early is the server's call, on its clock
   * (the database's); the page only estimates that clock (anchored when the room was read, frozen
   * while the laptop slept), so near the start it can judge "on time" where the server judges
   * "early". The server then refuses `early_release_reason_required`: the proctor is asked for the
   * reason and the release is sent again with it. Shown as a plain error instead, every retry went
   * out without a reason again, and the room could not be released until the page's own estimate
   * passed the start. Null when the proctor cancelled the prompt.
   */
  async function sendRelease(
    who: string,
    attemptIds: string[] | undefined,
    earlyReason: string | undefined,
  ): Promise<Ack<ProctorActionResultDto> | null> {
    const ack = await room.release(attemptIds, earlyReason);
    // With a reason sent, the server never asks for one: any refusal is shown as it is.
    if (ack.ok || ack.error.code !== "early_release_reason_required" || earlyReason) return ack;
    const planned = room.room ? `计划开考时间 ${formatClock(room.room.startsAt, false)}。` : "";
    const reason = await askEarlyReason(
      who,
      `${planned}按服务器时间${ack.error.message}，理由将记入审计日志。`,
    );
    return reason ? room.release(attemptIds, reason) : null;
  }

  /**
   * One release at a time, from asking to the toast, for the room and its seats alike: a second
   * press while one is on its way sent a second release, which the server answered by skipping the
   * seats already running, and the proctor saw two prompts and two toasts.
   */
  const { busy: releaseBusy, once: onceRelease } = useOnce();

  function releaseRoom(event?: { detail?: unknown }): Promise<void> {
    return onceRelease(async () => {
      const who = `全场（${releasable.value} 名已签到考生同时开始计时）`;
      const asked = await askRelease(who);
      if (!asked.go) return;
      const ack = await sendRelease(who, undefined, asked.earlyReason);
      if (ack) report(ack, "已开考");
    }, event);
  }

  function releaseOne(seat: SeatViewDto, event?: { detail?: unknown }): Promise<void> {
    const attemptId = seat.attemptId;
    if (!attemptId) return Promise.resolve();
    return onceRelease(async () => {
      const asked = await askRelease(seat.candidateName);
      if (!asked.go) return;
      const ack = await sendRelease(seat.candidateName, [attemptId], asked.earlyReason);
      if (ack) report(ack, `${seat.candidateName} 已开考`);
    }, event);
  }

  return { releasable, releaseBusy, releaseRoom, releaseOne };
}
