import { expect } from "chai";
import { createCandidateCheck, type CandidateTicket } from "../../../server/auth/candidate-login.js";
import type { LoginThrottle } from "../../../server/auth/login-throttle.js";
import { loadConfig } from "../../../server/config.js";
import { AppError } from "../../../server/lib/errors.js";

const MINUTE = 60_000;
const startsAt = new Date("2026-03-02T01:00:00Z");

const ticket: CandidateTicket = {
  candidateId: "cand-1",
  sessionId: "ses-1",
  ticketNo: "T0001",
  idNumber: "320102199001011234",
  name: "张测试",
  divisionCode: "320100",
  testCentreId: "tc-1",
  roomId: "room-1",
  seatId: "seat-1",
  seatNo: 1,
  startsAt,
  endsAt: new Date(startsAt.getTime() + 60 * MINUTE),
  status: "scheduled",
};

/** Nothing is ever locked: only the window decides. */
const throttle = {
  attempt: () => Promise.resolve(1),
  failed: () => Promise.resolve({ locked: false }),
  reset: () => Promise.resolve(),
} as unknown as LoginThrottle;

const check = createCandidateCheck({
  throttle,
  provinceCode: "320000",
  now: () => new Date(),
  candidates: {
    findTicket: () => Promise.resolve(ticket),
    findLoginSeat: () => Promise.resolve({ seatId: "seat-1", seatNo: 1 }),
    testCentreDivision: () => Promise.resolve(null),
    sittingUntil: () => Promise.resolve(null),
  },
});

const login = (at: Date) =>
  check({ idNumber: ticket.idNumber, ticketNo: ticket.ticketNo, seatToken: "token" }, {}, at).then(
    () => "accepted",
    (err: unknown) => (err instanceof AppError ? `${err.code}: ${err.message}` : String(err)),
  );

/**
 * Candidate login opens when check-in does, the configuration's `exam.checkInOpensMinutes` (the
 * only place the window is defined): a candidate logged in before check-in opens waits at a
 * kiosk nobody may check them in at, and one who cannot log in once check-in opened loses time.
 */
describe("identity: the candidate login window opens with check-in", () => {
  const { checkInOpensMinutes } = loadConfig({ ROLE: "province", PROVINCE_CODE: "320000" }).exam;

  it("when a candidate logs in a minute before check-in opens, then it is refused outside_session_window naming the window; a minute after, accepted", async () => {
    const opens = startsAt.getTime() - checkInOpensMinutes * MINUTE;
    expect(await login(new Date(opens - MINUTE))).to.equal(
      `outside_session_window: 未到登录时间：开考前 ${checkInOpensMinutes} 分钟开放登录`,
    );
    expect(await login(new Date(opens + MINUTE))).to.equal("accepted");
  });
});
