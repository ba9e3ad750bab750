import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import type { Ack } from "@contracts/errors.js";
import type {
  CheckInPayload,
  CheckInResultDto,
  CreditOutagePayload,
  ExtendPayload,
  IncidentDto,
  IncidentPayload,
  OutageProposalDto,
  PendingExtensionDto,
  ProctorActionResultDto,
  SeatViewDto,
  SessionRoomDto,
} from "@contracts/exams.js";
import { emitWithAck, useSocket, type AppClientSocket } from "@/shared/socket.js";
import { retriesRoomLoad, useRoomLoadLoop } from "./room-load-loop.js";
import { isOlderSeat, withNewerHeld } from "./seat-versions.js";

/**
 * The live room of the proctor console. `proctor:watch` answers the whole seat map and joins the
 * session's socket room; after that seat changes arrive as `session:seat` (one) or `session:seats`
 * (a room's start, and seats changed by saves, collected once a second). On every
 * reconnect the room is watched again (full state), so a missed event can never leave a stale
 * seat on screen. Loads run one at a time and a failed one is retried (room-load-loop.ts).
 */
export const useProctorRoomStore = defineStore("proctor-room", () => {
  const sessionId = ref<string | null>(null);
  const room = shallowRef<SessionRoomDto | null>(null);
  const seats = ref<SeatViewDto[]>([]);
  const incidents = ref<IncidentDto[]>([]);
  const outage = shallowRef<OutageProposalDto | null>(null);
  const loadError = ref<{ code: string; message: string } | null>(null);
  /** Server time − `performance.now()` at the last server reading; the console shows server time. */
  const serverAnchor = ref<{ serverTime: number; at: number } | null>(null);
  const now = ref(performance.now());
  let ticker: number | null = null;
  /**
   * The socket `watch` listens on. `unwatch` takes the listeners off that one: asking `useSocket()`
   * there after a sign-out (the console unmounts after the socket was closed) opened a new socket
   * without a session, refused and never retried, which the next sign-in's console then waited on.
   */
  let listening: AppClientSocket | null = null;
  /**
   * Counts watches: a reply to a load sent for an earlier watch is dropped even when it is of the
   * same session (left and opened again): the new watch's own load, after it, answers.
   */
  let watchNo = 0;
  /** Resolves (null) when the room watched now is left: a load waiting on it stops waiting. */
  let left: Promise<null> = new Promise(() => {});
  let leave: () => void = () => {};

  const serverNow = computed(() =>
    serverAnchor.value ? serverAnchor.value.serverTime + (now.value - serverAnchor.value.at) : Date.now(),
  );

  const counts = computed(() => {
    const c = {
      total: seats.value.length,
      not_arrived: 0,
      checked_in: 0,
      ready: 0,
      in_progress: 0,
      disconnected: 0,
      submitted: 0,
      voided: 0,
    };
    for (const s of seats.value) c[s.state]++;
    return c;
  });

  function anchor(serverTime: number): void {
    serverAnchor.value = { serverTime, at: performance.now() };
  }

  /** Shows `seat`, unless the console holds a newer reading of its attempt (pushes cross: seat-versions.ts). */
  function upsertSeat(seat: SeatViewDto): void {
    if (seat.sessionId !== sessionId.value) return;
    const i = seats.value.findIndex((s) => s.candidateId === seat.candidateId);
    if (i >= 0 && isOlderSeat(seats.value[i], seat)) return;
    if (i >= 0) seats.value.splice(i, 1, seat);
    else seats.value.push(seat);
  }

  /**
   * A seat pushed with a clock (a deadline) while the room shows no release: someone else released
   * it (another proctor's console, or a seat pushed by another instance), and seat pushes carry no
   * room fields. The room is read again so the header stops saying 未开考 and shows when it was
   * released; once per watched room, so a room that still reads unreleased is not re-read on
   * every push (a full room pushes its seats every second).
   */
  let askedRelease = false;
  function noteStarted(list: SeatViewDto[]): void {
    // `!= null`: a reply from an instance still on the code before releasedAt has no such field.
    if (askedRelease || room.value == null || room.value.releasedAt != null) return;
    if (!list.some((s) => s.sessionId === sessionId.value && s.deadline !== null)) return;
    askedRelease = true;
    void load();
  }

  function onSeat(seat: SeatViewDto): void {
    upsertSeat(seat);
    noteStarted([seat]);
  }
  function onSeats(list: SeatViewDto[]): void {
    for (const seat of list) upsertSeat(seat);
    noteStarted(list);
  }
  function onOutage(p: OutageProposalDto): void {
    if (p.sessionId === sessionId.value) outage.value = p;
  }
  function onIncident(i: IncidentDto): void {
    if (i.sessionId !== sessionId.value || incidents.value.some((x) => x.id === i.id)) return;
    incidents.value = [i, ...incidents.value];
  }
  function onExtensionPending(p: PendingExtensionDto): void {
    const seat = seats.value.find((s) => s.attemptId === p.attemptId);
    if (!seat || seat.pendingExtensions.some((x) => x.requestId === p.requestId)) return;
    upsertSeat({ ...seat, pendingExtensions: [...seat.pendingExtensions, p] });
  }
  function onConnect(): void {
    void loop.reconnected();
  }

  /** One `proctor:watch`, its reply applied; false when it failed in a way worth retrying. */
  async function loadOnce(): Promise<boolean> {
    const id = sessionId.value;
    const socket = listening;
    const watched = watchNo;
    if (!id || !socket) return true;
    // A room left while its load is unanswered does not hold the next room's first load back for
    // the ack's 15 s: leaving it ends the wait (its reply would be dropped anyway).
    const ack = await Promise.race([
      emitWithAck("proctor:watch", { sessionId: id }, { timeoutMs: 15_000, socket }),
      left,
    ]);
    if (ack === null || watched !== watchNo) return true;
    if (!ack.ok) {
      loadError.value = ack.error;
      return !retriesRoomLoad(ack.error.code);
    }
    loadError.value = null;
    room.value = ack.data;
    anchor(ack.data.serverTime);
    seats.value = withNewerHeld(ack.data.seats, seats.value).sort(
      (a, b) => (a.seatNo ?? 1e9) - (b.seatNo ?? 1e9),
    );
    incidents.value = [...ack.data.incidents].sort((a, b) => b.at.localeCompare(a.at));
    outage.value = ack.data.outageProposal;
    return true;
  }

  const loop = useRoomLoadLoop({
    loadOnce,
    running: () => sessionId.value !== null && listening?.connected === true,
    sleep: (ms) => new Promise((resolve) => window.setTimeout(resolve, ms)),
  });

  /**
   * Loads the whole room: at once, or once the load under way ends (folded with any others asked
   * meanwhile), so an older reply never lands after a newer one.
   */
  function load(): Promise<void> {
    return loop.load();
  }

  /** Starts watching a session (listeners, first load, a 1 s tick for the time-left column). */
  function watch(id: string): void {
    if (sessionId.value === id) return;
    unwatch();
    sessionId.value = id;
    watchNo++;
    left = new Promise<null>((resolve) => (leave = () => resolve(null)));
    const socket = useSocket();
    listening = socket;
    socket.on("connect", onConnect);
    socket.on("session:seat", onSeat);
    socket.on("session:seats", onSeats);
    socket.on("session:outage", onOutage);
    socket.on("session:incident", onIncident);
    socket.on("session:extension_pending", onExtensionPending);
    ticker = window.setInterval(() => (now.value = performance.now()), 1000);
    // A newly watched room starts the retry back-off over, as a reconnect does.
    if (socket.connected) void loop.reconnected();
  }

  function unwatch(): void {
    const id = sessionId.value;
    if (!id) return;
    const socket = listening;
    listening = null;
    socket?.off("connect", onConnect);
    socket?.off("session:seat", onSeat);
    socket?.off("session:seats", onSeats);
    socket?.off("session:outage", onOutage);
    socket?.off("session:incident", onIncident);
    socket?.off("session:extension_pending", onExtensionPending);
    // On the socket watched, never a new one: a closed socket is not connected, so nothing is sent.
    if (socket?.connected)
      void emitWithAck("proctor:unwatch", { sessionId: id }, { timeoutMs: 5000, socket });
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
    sessionId.value = null;
    watchNo++;
    leave();
    askedRelease = false;
    // A failure on screen belongs to the room left; the next watch shows its own.
    loadError.value = null;
    room.value = null;
    seats.value = [];
    incidents.value = [];
    outage.value = null;
  }

  /** After an action the server also pushes `session:seat`; the reload covers a lost event. */
  async function settle<T extends ProctorActionResultDto>(ack: Ack<T>): Promise<Ack<T>> {
    if (ack.ok) {
      anchor(ack.data.serverTime);
      void load();
    }
    return ack;
  }

  const sid = (): string => sessionId.value ?? "";

  async function checkIn(payload: Omit<CheckInPayload, "sessionId">): Promise<Ack<CheckInResultDto>> {
    const ack = await emitWithAck(
      "proctor:check_in",
      { ...payload, sessionId: sid() },
      { timeoutMs: 20_000 },
    );
    if (ack.ok) upsertSeat(ack.data.seat);
    return ack;
  }
  const release = async (attemptIds?: string[], earlyReason?: string) =>
    settle(
      await emitWithAck(
        "proctor:release",
        { sessionId: sid(), attemptIds, earlyReason },
        { timeoutMs: 20_000 },
      ),
    );
  const pause = async (reason: string, attemptIds?: string[]) =>
    settle(await emitWithAck("proctor:pause", { sessionId: sid(), attemptIds, reason }));
  const resume = async (attemptIds?: string[]) =>
    settle(await emitWithAck("proctor:resume", { sessionId: sid(), attemptIds }));
  const extend = async (payload: ExtendPayload) => settle(await emitWithAck("proctor:extend", payload));
  const approveExtension = async (attemptId: string, requestId: string, approve: boolean) =>
    settle(await emitWithAck("proctor:approve_extension", { attemptId, requestId, approve }));
  const forceSubmit = async (attemptId: string, reason: string) =>
    settle(await emitWithAck("proctor:force_submit", { attemptId, reason }, { timeoutMs: 20_000 }));
  const voidAttempt = async (attemptId: string, note: string) =>
    settle(await emitWithAck("proctor:void", { attemptId, note }));
  const unlockLogin = (candidateId: string) =>
    emitWithAck("proctor:unlock_login", { sessionId: sid(), candidateId });
  async function creditOutage(
    payload: Omit<CreditOutagePayload, "sessionId">,
  ): Promise<Ack<ProctorActionResultDto>> {
    const ack = await settle(await emitWithAck("proctor:credit_outage", { ...payload, sessionId: sid() }));
    if (ack.ok) outage.value = null;
    // The outage shown is no longer the one to credit (seats dropped again, or another proctor
    // credited it): the room's current proposal replaces it.
    else if (ack.error.code === "outage_changed") void load();
    return ack;
  }
  async function reportIncident(payload: Omit<IncidentPayload, "sessionId">): Promise<Ack<IncidentDto>> {
    const ack = await emitWithAck("proctor:incident", { ...payload, sessionId: sid() });
    if (ack.ok) onIncident(ack.data);
    return ack;
  }
  function dismissOutage(): void {
    outage.value = null;
  }

  return {
    sessionId,
    room,
    seats,
    incidents,
    outage,
    loadError,
    serverNow,
    counts,
    watch,
    unwatch,
    load,
    checkIn,
    release,
    pause,
    resume,
    extend,
    approveExtension,
    forceSubmit,
    unlockLogin,
    voidAttempt,
    creditOutage,
    reportIncident,
    dismissOutage,
  };
});
