import { computed, ref } from "vue";
import type { Ack } from "@contracts/errors.js";
import type { IncidentPayload, SeatViewDto } from "@contracts/exams.js";
import { useOnce } from "@/shared/once.js";
import { createExtendRequestIds } from "./extend-request-id.js";
import { elementDialogs, reporter, useConsoleRelease, type ConsoleDialogs } from "./console-release.js";
import type { useProctorRoomStore } from "./proctor-room.store.js";
import type { ReasonAction, ReasonInput } from "./reason-action.js";
import { isRunning } from "./seat-labels.js";

type Room = ReturnType<typeof useProctorRoomStore>;
type ActionAck = Ack<{ affected: string[]; skipped: { attemptId: string; code: string }[] }>;

/**
 * The proctor console's commands: release (asking first, with a reason when early), resume, the
 * actions that need a written reason, extension approval and incident reports. Each tells the
 * proctor what happened: a toast on success (naming the candidates it skipped), the server's
 * message on failure, inside the open dialog when there is one.
 */
export function useConsoleActions(room: Room, dialogs: ConsoleDialogs = elementDialogs) {
  const action = ref<ReasonAction | null>(null);
  const actionSeat = ref<SeatViewDto | null>(null);
  const actionOpen = ref(false);
  /**
   * A reason action in flight: Enter in the minutes field submits the dialog's form again, and an
   * extension is not idempotent.
   */
  const { busy: actionBusy, once: onceAction } = useOnce();
  const actionError = ref<string | null>(null);

  const incidentOpen = ref(false);
  /** An incident report in flight: a second press would record the same incident twice. */
  const { busy: incidentBusy, once: onceIncident } = useOnce();
  const incidentError = ref<string | null>(null);

  const report = reporter(dialogs.toast, (attemptId) => {
    const seat = room.seats.find((s) => s.attemptId === attemptId);
    return seat ? `${seat.seatNo ?? "—"} 号座 ${seat.candidateName}` : null;
  });
  const { releasable, releaseBusy, releaseRoom, releaseOne } = useConsoleRelease(room, dialogs);

  const runningCount = computed(() => room.seats.filter(isRunning).length);
  /** What the outage cost its seats, as the banner and the dialog word it: "各损失 2 分钟" or "各损失 1–4 分钟不等". */
  const lostRange = computed(() => {
    const minutes = (room.outage?.seats ?? []).map((s) => s.minutes);
    const [least, most] = [Math.min(...minutes), Math.max(...minutes)];
    return least === most ? `各损失 ${most} 分钟` : `各损失 ${least}–${most} 分钟不等`;
  });
  const actionTarget = computed(() => {
    if (action.value === "credit")
      return `${room.outage?.attemptIds.length ?? 0} 名断线考生（${lostRange.value}）`;
    if (actionSeat.value) return `${actionSeat.value.seatNo ?? "—"} 号座 ${actionSeat.value.candidateName}`;
    return `全场答题中的 ${runningCount.value} 名考生`;
  });

  async function resume(seat: SeatViewDto | null): Promise<void> {
    const ids = seat?.attemptId ? [seat.attemptId] : undefined;
    report(await room.resume(ids), seat ? `${seat.candidateName} 已恢复考试` : "全场已恢复考试");
  }

  /** Lifts the seated candidate's login lockout (the proctor has checked the person). */
  let unlocking = false;
  async function unlockLogin(seat: SeatViewDto): Promise<void> {
    // A second click would write a second audit entry and answer "no lock" after the first lifted it.
    if (unlocking) return;
    unlocking = true;
    const ack = await room.unlockLogin(seat.candidateId).finally(() => (unlocking = false));
    if (!ack.ok) {
      dialogs.toast({ type: "error", message: ack.error.message, showClose: true });
      return;
    }
    dialogs.toast(
      ack.data.unlocked
        ? { type: "success", message: `已解除 ${seat.candidateName} 的登录锁定，请考生重新登录` }
        : { type: "info", message: `${seat.candidateName} 当前没有登录锁定` },
    );
  }

  /** The open dialog's extension keeps its request id across retries (see extend-request-id.ts). */
  const extendIds = createExtendRequestIds();

  function openAction(kind: ReasonAction, seat: SeatViewDto | null): void {
    extendIds.reset();
    action.value = kind;
    actionSeat.value = seat;
    actionError.value = null;
    actionOpen.value = true;
  }

  /** Sends the open reason dialog's action; returns what to tell the proctor, or null if not applicable. */
  async function send(
    kind: ReasonAction | null,
    input: ReasonInput,
  ): Promise<{ ack: ActionAck; done: string | ((affected: number) => string) } | null> {
    const seat = actionSeat.value;
    const attemptId = seat?.attemptId ?? null;
    switch (kind) {
      case "pause":
        return {
          ack: await room.pause(input.reason, attemptId ? [attemptId] : undefined),
          done: seat ? `${seat.candidateName} 已暂停` : "全场已暂停",
        };
      case "extend": {
        if (!attemptId) return null;
        const payload = {
          attemptId,
          minutes: input.minutes,
          reason: input.reason,
          requireSecondApprover: input.requireSecondApprover,
        };
        const res = await room.extend({ ...payload, requestId: extendIds.idFor(JSON.stringify(payload)) });
        // Given (or waiting for approval): the next extension is another one.
        if (res.ok) extendIds.reset();
        return {
          ack: res,
          done: res.ok && res.data.pending ? "延时申请已提交，等待审批" : `已延长 ${input.minutes} 分钟`,
        };
      }
      case "force_submit":
        if (!attemptId) return null;
        return { ack: await room.forceSubmit(attemptId, input.reason), done: "已强制收卷" };
      case "void":
        if (!attemptId) return null;
        return { ack: await room.voidAttempt(attemptId, input.reason), done: "已作违纪作废处理" };
      case "credit": {
        const p = room.outage;
        if (!p) return null;
        const ack = await room.creditOutage({
          attemptIds: p.attemptIds,
          outageFrom: p.from,
          outageTo: p.to,
          reason: input.reason,
        });
        // Seats whose credit reached the approval limit became extension requests: said as such,
        // not counted among the seats skipped.
        const pending = ack.ok ? ack.data.skipped.filter((s) => s.code === "approval_pending").length : 0;
        const waits = pending ? `；${pending} 名考生补时达到审批线，已转为延时申请，待另一名监考员批准` : "";
        return {
          ack: ack.ok
            ? {
                ...ack,
                data: { ...ack.data, skipped: ack.data.skipped.filter((s) => s.code !== "approval_pending") },
              }
            : ack,
          done: (n: number) => `已为 ${n} 名考生补足各自断线损失的考试时间${waits}`,
        };
      }
      default:
        return null;
    }
  }

  function confirmAction(input: ReasonInput): Promise<void> {
    return onceAction(async () => {
      actionError.value = null;
      const sent = await send(action.value, input);
      if (!sent) return;
      if (sent.ack.ok) {
        report(sent.ack, sent.done);
        actionOpen.value = false;
      } else actionError.value = sent.ack.error.message;
    });
  }

  /** One decision at a time: a double click would be refused as "no such request" after the first. */
  const { once: onceDecision } = useOnce();
  function approve(seat: SeatViewDto, requestId: string, yes: boolean): Promise<void> {
    const attemptId = seat.attemptId;
    if (!attemptId) return Promise.resolve();
    return onceDecision(async () => {
      report(await room.approveExtension(attemptId, requestId, yes), yes ? "已批准延时" : "已驳回延时申请");
    });
  }

  function confirmIncident(input: Omit<IncidentPayload, "sessionId">): Promise<void> {
    return onceIncident(async () => {
      incidentError.value = null;
      const ack = await room.reportIncident(input);
      if (ack.ok) {
        dialogs.toast({ type: "success", message: "事件已记录" });
        incidentOpen.value = false;
      } else incidentError.value = ack.error.message;
    });
  }

  return {
    action,
    actionOpen,
    actionBusy,
    actionError,
    actionTarget,
    lostRange,
    incidentOpen,
    incidentBusy,
    incidentError,
    runningCount,
    releasable,
    releaseBusy,
    releaseRoom,
    releaseOne,
    resume,
    unlockLogin,
    openAction,
    confirmAction,
    approve,
    confirmIncident,
  };
}
