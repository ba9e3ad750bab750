import { expect } from "chai";
import type { Ack } from "../../../server/contracts/errors.js";
import type { ProctorActionResultDto, SeatViewDto } from "../../../server/contracts/exams.js";
import {
  useConsoleRelease,
  type ConsoleDialogs,
  type ReleaseRoom,
} from "../../../client/src/features/proctor/console-release.js";

type ReleaseAck = Ack<ProctorActionResultDto>;

/** A seat checked in and waiting for the release. */
function aReadySeat(over: Partial<SeatViewDto> = {}): SeatViewDto {
  return {
    sessionId: "s1",
    seatId: "seat-1",
    seatNo: 1,
    candidateId: "c1",
    candidateName: "张三",
    ticketNo: "T001",
    attemptId: "a1",
    photoUrl: null,
    state: "ready",
    paused: false,
    answered: 0,
    total: 10,
    deadline: null,
    remainingMs: null,
    disconnectedSince: null,
    score: null,
    passed: null,
    closeReason: null,
    extraMinutes: 0,
    pendingExtensions: [],
    version: 1,
    ...over,
  };
}

/**
 * A console over a room past its planned start, whose `proctor:release` is answered by hand
 * (`answer()`); the proctor confirms every dialog and the toasts shown are kept.
 */
function aConsoleAtStart() {
  const startsAt = Date.UTC(2026, 11, 7, 8, 0);
  const sent: { attemptIds: string[] | undefined; earlyReason: string | undefined }[] = [];
  const waiting: ((ack: ReleaseAck) => void)[] = [];
  const asked: string[] = [];
  const toasts: string[] = [];
  const room: ReleaseRoom = {
    room: { startsAt: new Date(startsAt).toISOString() },
    serverNow: startsAt + 60_000,
    seats: [aReadySeat(), aReadySeat({ seatId: "seat-2", seatNo: 2, candidateId: "c2", attemptId: "a2" })],
    release: (attemptIds, earlyReason) => {
      sent.push({ attemptIds, earlyReason });
      return new Promise<ReleaseAck>((resolve) => waiting.push(resolve));
    },
  };
  const dialogs: ConsoleDialogs = {
    confirm: (message) => {
      asked.push(message);
      return Promise.resolve(true);
    },
    prompt: (message) => {
      asked.push(message);
      return Promise.resolve("考生全部到齐");
    },
    toast: ({ message }) => void toasts.push(message),
  };
  const answerAll = (ack: ReleaseAck) => waiting.splice(0).forEach((resolve) => resolve(ack));
  return { actions: useConsoleRelease(room, dialogs), sent, asked, toasts, answerAll };
}

const released: ReleaseAck = { ok: true, data: { affected: ["a1", "a2"], skipped: [], serverTime: 0 } };
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("proctor console: one release at a time (client)", () => {
  it("when 全场开考 is pressed again while the release is on its way, then one release is sent and one toast shown", async () => {
    const { actions, sent, asked, toasts, answerAll } = aConsoleAtStart();
    const first = actions.releaseRoom();
    await settle();
    const again = actions.releaseRoom();
    await settle();
    answerAll(released);
    await Promise.all([first, again]);
    expect(sent).to.have.length(1);
    expect(asked).to.have.length(1);
    expect(toasts).to.deep.equal(["已开考"]);
  });

  it("when a release is on its way, then the console says so (the buttons show it loading) until it is answered", async () => {
    const { actions, answerAll } = aConsoleAtStart();
    const first = actions.releaseRoom();
    await settle();
    expect(actions.releaseBusy.value).to.equal(true);
    answerAll(released);
    await first;
    expect(actions.releaseBusy.value).to.equal(false);
  });

  it("when a seat's 单独开考 is pressed while the room's release is on its way, then it is ignored", async () => {
    const { actions, sent, answerAll } = aConsoleAtStart();
    const first = actions.releaseRoom();
    await settle();
    const seat = actions.releaseOne(aReadySeat());
    await settle();
    answerAll(released);
    await Promise.all([first, seat]);
    expect(sent).to.deep.equal([{ attemptIds: undefined, earlyReason: undefined }]);
  });

  it("when the release has been answered, then the next press releases again", async () => {
    const { actions, sent, answerAll } = aConsoleAtStart();
    const first = actions.releaseRoom();
    await settle();
    answerAll(released);
    await first;
    const second = actions.releaseOne(aReadySeat());
    await settle();
    answerAll(released);
    await second;
    expect(sent.map((s) => s.attemptIds)).to.deep.equal([undefined, ["a1"]]);
  });
});
