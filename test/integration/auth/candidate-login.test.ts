import { expect } from "chai";
import { anonymousAgent, loginCandidate, scheduleCandidates, staffAgent } from "../../helpers/auth.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";
import { fullWidth } from "../../helpers/typed-text.js";

/** Candidates log in with their ID and ticket numbers, from a seat of their session's room, inside its window. */
describe("candidate login", () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a candidate logs in from a seat of the session's room inside the window, then they act as that candidate", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const c = fx.candidates[1]!;
    const agent = await loginCandidate(node, {
      idNumber: c.idNumber.toLowerCase(),
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    expect(agent.user).to.deep.include({ kind: "candidate", roles: ["candidate"], id: c.id });
    expect(agent.user.candidate).to.deep.equal({
      candidateId: c.id,
      sessionId: fx.session.id,
      ticketNo: c.assignment.ticketNo,
      seatId: c.assignment.seatId,
    });
    const ticket = await agent.agent.get("/api/me/admission-ticket").expect(200);
    expect(ticket.body.ticket).to.include({ ticketNo: c.assignment.ticketNo, seatNo: c.assignment.seatNo });
  });

  it("when a candidate types the ID and ticket numbers in full width (an input method's full-width mode), then they are logged in as themselves", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    // Before, the right numbers typed this way were refused as 身份证号或准考证号错误.
    const agent = await loginCandidate(node, {
      idNumber: fullWidth(c.idNumber.toLowerCase()),
      ticketNo: `${fullWidth(c.assignment.ticketNo)}\u3000`,
      seatToken: c.seatToken,
    });
    expect(agent.user).to.deep.include({ kind: "candidate", id: c.id });
  });

  it("when the session starts more than 30 minutes from now, then login is refused as outside the window", async () => {
    const fx = await scheduleCandidates(node, { count: 1, startsInMinutes: 45 });
    const c = fx.candidates[0]!;
    const { agent } = await anonymousAgent(node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("outside_session_window");
  });

  it("when the session has ended, then login is refused as outside the window", async () => {
    const fx = await scheduleCandidates(node, { count: 1, startsInMinutes: 1, durationMinutes: 10 });
    const c = fx.candidates[0]!;
    await node.ctx.conn.collection("exam_sessions").updateOne(
      { _id: new (await import("mongoose")).Types.ObjectId(fx.session.id) },
      {
        $set: {
          startsAt: new Date(Date.now() - 3 * 3600_000),
          endsAt: new Date(Date.now() - 2 * 3600_000),
        },
      },
    );
    const { agent } = await anonymousAgent(node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(res.body.error?.code).to.equal("outside_session_window");
  });

  it("when the candidate uses a seat token of another room or none, then login is refused as a wrong ticket is", async () => {
    const mine = await scheduleCandidates(node, { count: 1 });
    const elsewhere = await scheduleCandidates(node, { count: 1 });
    const c = mine.candidates[0]!;
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/candidate-login").send({
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: elsewhere.candidates[0]!.seatToken,
    });
    // From outside the ticket's room the answer is the one a made-up ticket gets (no ticket oracle).
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal("invalid_credentials");
    const noSeat = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo });
    expect(noSeat.body.error.code).to.equal("invalid_credentials");
  });

  it("when the candidate logs in from another seat of the same room, then login is refused and no session is issued", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const [a, b] = fx.candidates;
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/candidate-login").send({
      idNumber: a!.idNumber,
      ticketNo: a!.assignment.ticketNo,
      seatToken: b!.seatToken,
    });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("not_assigned_seat");
    expect(res.body.error.message).to.include(`${a!.assignment.seatNo} 号座位`);
    await agent.get("/api/auth/me").expect(401);
    // From their own seat the same candidate is admitted.
    const own = await loginCandidate(node, {
      idNumber: a!.idNumber,
      ticketNo: a!.assignment.ticketNo,
      seatToken: a!.seatToken,
    });
    expect(own.user.candidate?.seatId).to.equal(a!.assignment.seatId);
  });

  it("when the seat has the client's IP registered, then login without a token succeeds", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    const admin = await staffAgent(node, { roles: ["admin"] });
    await admin.agent
      .patch(`/api/test-centres/${fx.room.testCentreId}/rooms/${fx.room.roomId}/seats/${c.assignment.seatId}`)
      .send({ ip: "127.0.0.1" })
      .expect(200);
    const agent = await loginCandidate(node, { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo });
    expect(agent.user.candidate?.seatId).to.equal(c.assignment.seatId);
  });

  it("when the ticket number does not match the ID number at the ticket's seat, then the answer is invalid_credentials", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const [a, b] = fx.candidates;
    const { agent } = await anonymousAgent(node);
    // At another seat the answer names the ticket's seat before any number is compared
    // (candidate-lockout.test.ts); at the ticket's own seat the numbers are compared.
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: a!.idNumber, ticketNo: b!.assignment.ticketNo, seatToken: b!.seatToken });
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal("invalid_credentials");
  });

  it("when the session's end passes, then the candidate's login session no longer authenticates", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    const agent = await loginCandidate(node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    await agent.agent.get("/api/auth/me").expect(200);
    // The stored session carries the exam session's end; move it into the past.
    const moved = await node.ctx.conn
      .collection("sessions")
      .updateMany(
        { "session.passport.user.user.id": c.id },
        { $set: { "session.candidateUntil": Date.now() - 1000 } },
      );
    expect(moved.modifiedCount).to.be.greaterThan(0);
    await agent.agent.get("/api/auth/me").expect(401);
  });
});
