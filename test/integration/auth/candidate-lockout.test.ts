import { expect } from "chai";
import type TestAgent from "supertest/lib/agent.js";
import {
  anonymousAgent,
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  uniqueIdNumber,
  type ScheduledCandidates,
} from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** A ticket number no assignment holds (tickets are two province digits, the date and six digits). */
const madeUpTicket = (i: number) => `99000101${String(i).padStart(4, "0")}`;

/**
 * The candidate login's lockout counts failures where they come from (the candidate's ID number at
 * one seat or one address): someone elsewhere cannot lock a candidate out in the middle of their
 * exam, while guessing at the candidate's own seat still locks.
 */
describe("candidate login: lockout by where the attempts come from", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  async function tries(bodies: object[]): Promise<(string | number)[]> {
    const { agent } = await anonymousAgent(env.node);
    const answers = [];
    for (const body of bodies) {
      const res = await agent.post("/api/auth/candidate-login").send(body);
      answers.push(res.status === 200 ? 200 : (res.body.error?.code as string));
    }
    return answers;
  }

  it("when someone away from the candidate's seat fails with the candidate's ID number again and again, then the candidate still logs in from their seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 1 });
    const elsewhere = await scheduleCandidates(env.node, { count: 1 });
    const c = fx.candidates[0]!;
    const away = await tries([
      ...Array.from({ length: 6 }, (_, i) => ({ idNumber: c.idNumber, ticketNo: madeUpTicket(i) })),
      ...Array.from({ length: 6 }, () => ({
        idNumber: c.idNumber,
        ticketNo: c.assignment.ticketNo,
        seatToken: elsewhere.candidates[0]!.seatToken,
      })),
    ]);
    // From outside the ticket's room a real ticket answers and counts as a made-up one does: each
    // locks only where it comes from (that address, that other room's seat), never the candidate's seat.
    expect(away.slice(0, 6)).to.deep.equal([...Array(5).fill("invalid_credentials"), "account_locked"]);
    expect(away.slice(6)).to.deep.equal([...Array(5).fill("invalid_credentials"), "account_locked"]);
    const own = await loginCandidate(env.node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    expect(own.user.candidate?.seatId).to.equal(c.assignment.seatId);
  });

  it("when someone at the candidate's seat guesses ticket numbers, then after five failures even the right ticket is refused there; a neighbour's ticket only names its own seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 2 });
    const [c, neighbour] = fx.candidates;
    const atSeat = (ticketNo: string) => ({ idNumber: c!.idNumber, ticketNo, seatToken: c!.seatToken });
    const answers = await tries([
      atSeat(madeUpTicket(1)),
      atSeat(neighbour!.assignment.ticketNo),
      atSeat(madeUpTicket(2)),
      atSeat(neighbour!.assignment.ticketNo),
      atSeat(madeUpTicket(3)),
      atSeat(madeUpTicket(4)),
      atSeat(madeUpTicket(5)),
      atSeat(c!.assignment.ticketNo),
    ]);
    // The neighbour's ticket is answered by its seat before any number is compared: not counted.
    expect(answers).to.deep.equal([
      "invalid_credentials",
      "not_assigned_seat",
      "invalid_credentials",
      "not_assigned_seat",
      ...Array(3).fill("invalid_credentials"),
      "account_locked",
    ]);
  });

  it("when tickets are tried from a made-up seat token, another room's seat or no seat, then a real ticket answers exactly as a made-up one does and names no seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 2 });
    const elsewhere = await scheduleCandidates(env.node, { count: 1 });
    const [c, neighbour] = fx.candidates;
    const sources: { seatToken?: string }[] = [
      { seatToken: `made-up-token-${Date.now()}` },
      { seatToken: elsewhere.candidates[0]!.seatToken },
      {},
    ];
    for (const [i, source] of sources.entries()) {
      const bodies = [];
      for (const ticketNo of [
        madeUpTicket(100 + i),
        neighbour!.assignment.ticketNo,
        c!.assignment.ticketNo,
      ]) {
        const { agent } = await anonymousAgent(env.node);
        const res = await agent
          .post("/api/auth/candidate-login")
          .send({ idNumber: c!.idNumber, ticketNo, ...source });
        bodies.push({ status: res.status, error: res.body.error as { code: string; message: string } });
      }
      expect(bodies[1], `source ${i}`).to.deep.equal(bodies[0]);
      expect(bodies[2], `source ${i}`).to.deep.equal(bodies[0]);
      for (const seat of [c!.assignment.seatNo, neighbour!.assignment.seatNo])
        expect(bodies[0]?.error.message, `source ${i}`).to.not.include(`${seat} 号座位`);
    }
  });

  it("when a candidate locked out at their seat is checked by the room's proctor, then the proctor lifts the lock, audited, and the candidate logs in", async () => {
    const fx = await scheduleCandidates(env.node, { count: 1 });
    const other = await scheduleCandidates(env.node, { count: 1 });
    const c = fx.candidates[0]!;
    const atSeat = (ticketNo: string) => ({ idNumber: c.idNumber, ticketNo, seatToken: c.seatToken });
    const locked = await tries([
      ...[1, 2, 3, 4, 5].map((i) => atSeat(madeUpTicket(i))),
      atSeat(c.assignment.ticketNo),
    ]);
    expect(locked.at(-1)).to.equal("account_locked");

    const { testCentreId, divisionCode } = fx.session;
    const proctor = await staffAgent(env.node, { roles: ["proctor"], testCentreId, divisionCode });
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode });
    const [room, office] = await Promise.all([
      connectSocket(env.node, proctor),
      connectSocket(env.node, officer),
    ]);
    const unlock = (socket: typeof room, candidateId: string) =>
      socket.emitWithAck("proctor:unlock_login", { sessionId: fx.session.id, candidateId });
    try {
      // An officer watches rooms but does not act in them; a candidate of another sitting is not this room's.
      const refusal = (ack: Awaited<ReturnType<typeof unlock>>) => (ack.ok ? "ok" : ack.error.code);
      expect(refusal(await unlock(office, c.id))).to.equal("forbidden");
      expect(refusal(await unlock(room, other.candidates[0]!.id))).to.equal("not_assigned");
      expect(await tries([atSeat(c.assignment.ticketNo)])).to.deep.equal(["account_locked"]);

      expect(await unlock(room, c.id)).to.deep.include({ ok: true, data: { unlocked: true } });
      expect(await tries([atSeat(c.assignment.ticketNo)])).to.deep.equal([200]);
      expect(await unlock(room, c.id)).to.deep.include({ ok: true, data: { unlocked: false } });
      const entries = await env.node.ctx.conn
        .collection("audit_log")
        .find({ action: "proctor.unlock_login", "details.candidateId": c.id })
        .toArray();
      expect(entries.map((e) => e.details.unlocked)).to.deep.equal([true, false]);
    } finally {
      room.close();
      office.close();
    }
  });

  it("when someone at a ticket's seat types one ID number after another with that ticket, then after five the ticket is locked there, even for the right ID number, and the proctor's unlock lifts it", async () => {
    const fx = await scheduleCandidates(env.node, { count: 1 });
    const c = fx.candidates[0]!;
    const withId = (idNumber: string) => ({
      idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    const answers = await tries([
      ...Array.from({ length: 5 }, () => withId(uniqueIdNumber())),
      withId(c.idNumber),
    ]);
    expect(answers).to.deep.equal([...Array(5).fill("invalid_credentials"), "account_locked"]);

    const { testCentreId, divisionCode } = fx.session;
    const proctor = await staffAgent(env.node, { roles: ["proctor"], testCentreId, divisionCode });
    const room = await connectSocket(env.node, proctor);
    try {
      const ack = await room.emitWithAck("proctor:unlock_login", {
        sessionId: fx.session.id,
        candidateId: c.id,
      });
      expect(ack).to.deep.include({ ok: true, data: { unlocked: true } });
    } finally {
      room.close();
    }
    expect(await tries([withId(c.idNumber)])).to.deep.equal([200]);
  });

  it("when a ticket is tried at another seat of its room, then the answer names the ticket's seat whether the ID number is right or wrong, and counts against nobody", async () => {
    const fx = await scheduleCandidates(env.node, { count: 2 });
    const [c, neighbour] = fx.candidates;
    const atNeighbour = (idNumber: string) => ({
      idNumber,
      ticketNo: c!.assignment.ticketNo,
      seatToken: neighbour!.seatToken,
    });
    const answers = await tries([
      ...Array.from({ length: 6 }, () => atNeighbour(uniqueIdNumber())),
      atNeighbour(c!.idNumber),
    ]);
    expect(answers).to.deep.equal(Array(7).fill("not_assigned_seat"));
    expect(
      await tries([{ idNumber: c!.idNumber, ticketNo: c!.assignment.ticketNo, seatToken: c!.seatToken }]),
    ).to.deep.equal([200]);
  });
});

/**
 * Seats bound by their registered IPv6 addresses: every seat of a room usually sits in one /64,
 * which the address limiter counts as one client. The lockout counts the seat itself.
 */
describe("candidate login: lockout at seats bound by IPv6 address", function () {
  this.timeout(60_000);
  const env = useTestNode({
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000", TRUST_PROXY: "true", COOKIE_SECURE: "false" },
  });

  async function bindSeatsByIp(fx: ScheduledCandidates, ips: string[]): Promise<void> {
    const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: fx.room.divisionCode });
    for (const [i, seat] of fx.room.seats.entries())
      await admin.agent
        .patch(`/api/test-centres/${fx.room.testCentreId}/rooms/${fx.room.roomId}/seats/${seat.seatId}`)
        .send({ ip: ips[i], clearToken: true })
        .expect(200);
  }

  async function from(ip: string, bodies: object[]): Promise<(string | number)[]> {
    const { agent } = await anonymousAgent(env.node);
    const answers = [];
    for (const body of bodies) {
      const res = await (agent as TestAgent)
        .post("/api/auth/candidate-login")
        .set("x-forwarded-for", ip)
        .send(body);
      answers.push(res.status === 200 ? 200 : (res.body.error?.code as string));
    }
    return answers;
  }

  it("when the neighbouring seat on the same IPv6 /64 fails again and again with a candidate's ID number, then the candidate still logs in at their own seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 2 });
    const [c, neighbour] = fx.candidates;
    await bindSeatsByIp(fx, ["2001:db8:7:1::a", "2001:db8:7:1::b"]);
    const fromNeighbour = await from("2001:db8:7:1::b", [
      ...Array.from({ length: 5 }, (_, i) => ({ idNumber: c!.idNumber, ticketNo: madeUpTicket(100 + i) })),
      ...Array.from({ length: 3 }, () => ({
        idNumber: c!.idNumber,
        ticketNo: neighbour!.assignment.ticketNo,
      })),
    ]);
    expect(fromNeighbour.slice(0, 5)).to.deep.equal(Array(5).fill("invalid_credentials"));
    const own = await from("2001:db8:7:1::a", [{ idNumber: c!.idNumber, ticketNo: c!.assignment.ticketNo }]);
    expect(own).to.deep.equal([200]);
  });
});
