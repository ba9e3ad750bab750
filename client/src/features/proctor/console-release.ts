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
    /** Milliseconds shown; 0 keeps it until closed. */
    duration?: number;
  }) => void;
}

/** The console's dialogs on the page: Element Plus message boxes and toasts. */
export const elementDialogs: ConsoleDialogs = {
  confirm: (message, title, confirmText) => confirmed(message, title, confirmText),
  prompt: (message, title, options) => prompted(message, title, options),
  toast: (toast) => void ElMessage(toast),
};

/**
 * Seats an action left out at a bound of the proctor's changes, with what the proctor can do:
 * named apart (and by name where the console knows the seat), since the seat was meant to be
 * included and needs the proctor's hand. An outage credit is owed time and passes the bound on
 * proctor events and on extension requests (a pause still stops at them); it leaves out only a seat
 * already holding the most outage credits waiting for approval that an attempt keeps, and nothing
 * of that seat is marked credited: its waiting credits keep it open past its time meanwhile.
 */
const BOUND_SKIPS: Readonly<Record<string, string>> = {
  too_many_pending_extensions:
    "待批准的断线补时申请已达上限，本次未补偿，请先批准或驳回其待批申请，再为其单独延时",
  controls_exhausted: "监考操作次数已达上限，请登记事件并联系考务人员",
};

/**
 * How the console tells the proctor what an action did: a toast on success (naming the candidates
 * it skipped), the server's message on failure. True when the action was done. `nameOf` names a
 * seat by its attempt (the console's seats); without it, seats left out are counted.
 */
export function reporter(toast: ConsoleDialogs["toast"], nameOf?: (attemptId: string) => string | null) {
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
    const bound = Object.entries(BOUND_SKIPS).flatMap(([code, why]) => {
      const ids = skipped.filter((s) => s.code === code).map((s) => s.attemptId);
      if (ids.length === 0) return [];
      const names = ids.map((id) => nameOf?.(id) ?? null);
      const who = names.every((n) => n !== null) ? names.join("、") : `${ids.length} 名考生`;
      return [{ count: ids.length, note: `${who}未能处理：${why}` }];
    });
    const other = skipped.length - already - bound.reduce((n, b) => n + b.count, 0);
    const notes = [
      ...(already ? [`${already} 人此前已补偿过本次中断`] : []),
      ...bound.map((b) => b.note),
      ...(other ? [`${other} 人不适用已跳过`] : []),
    ];
    const said = typeof done === "string" ? done : done(ack.data.affected?.length ?? 0);
    toast({
      type: notes.length ? "warning" : "success",
      message: [said, ...notes].join("；"),
      // A seat left out needs the proctor's hand: the note stays until it is read.
      ...(bound.length > 0 ? { showClose: true, duration: 0 } : {}),
    });
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
