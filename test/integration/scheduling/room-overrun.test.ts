import { expect } from "chai";
import type { ClientSession } from "mongoose";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, createTestRoom, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;
const MINUTE = 60_000;

/**
 * Issue 14: time owed to candidates (outage credit, accommodation at a late release, a resumed
 * pause) is never cut for the room, so the next session it runs into is flagged for the office.
 */
describe("a room's exam overrunning into the next booking", function () {
  this.timeout(60_000);
  let node: Node;
  let officer: AuthedAgent;
  let scheduling: ReturnType<typeof createSchedulingService>;
  before(async () => {
    node = await startTestNode();
    officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
    const { conn, config } = node.ctx;
    const organisation = createOrganisationService(conn, config.provinceCode, undefined, {
      timeZone: config.timeZone,
    });
    const registration = createRegistrationService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
    });
    scheduling = createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation,
      registration,
    });
  });
  after(async () => node?.stop());

  /** Two sessions in one room, the second starting right when the first's booking ends. */
  async function backToBack(daysAhead: number) {
    const room = await createTestRoom(node, { seats: 2 });
    const schedule = (startsAt: Date) => aSessionThroughApi(node, officer, startsAt, room);
    const first = await schedule(new Date(Date.now() + daysAhead * 86_400_000));
    const next = await schedule(new Date(first.bookedUntil));
    return { first, next };
  }
  const sessionPage = async (id: string) =>
    (await officer.agent.get(`/api/exam-sessions/${id}`).expect(200)).body.session as {
      overrunBy: { sessionId: string; until: string } | null;
    };

  it("when owed time runs the first session past the next one's start, then the next session says by whom and until when", async () => {
    const { first, next } = await backToBack(5);
    const until = new Date(new Date(next.startsAt).getTime() + 15 * MINUTE);
    expect(await scheduling.holdRoomUntil(first.id, until, true)).to.equal(false);
    expect((await sessionPage(next.id)).overrunBy).to.deep.equal({
      sessionId: first.id,
      until: until.toISOString(),
    });
    expect((await sessionPage(first.id)).overrunBy).to.equal(null);
  });

  it("when owed time grows again, then the flag says the new end", async () => {
    const { first, next } = await backToBack(9);
    const at = (minutes: number) => new Date(new Date(next.startsAt).getTime() + minutes * MINUTE);
    await scheduling.holdRoomUntil(first.id, at(15), true);
    await scheduling.holdRoomUntil(first.id, at(25), true);
    expect((await sessionPage(next.id)).overrunBy).to.deep.equal({
      sessionId: first.id,
      until: at(25).toISOString(),
    });
  });

  it("when the office moves the flagged session clear of the owed time, then the flag is gone", async () => {
    const { first, next } = await backToBack(7);
    const until = new Date(new Date(next.startsAt).getTime() + 15 * MINUTE);
    await scheduling.holdRoomUntil(first.id, until, true);
    await officer.agent
      .patch(`/api/exam-sessions/${next.id}`)
      .send({ startsAt: until.toISOString() })
      .expect(200);
    expect((await sessionPage(next.id)).overrunBy).to.equal(null);
  });

  it("when the office moves the flagged session to a time the owed time still runs into, then it is refused room_busy and stays flagged", async () => {
    const { first, next } = await backToBack(8);
    const until = new Date(new Date(next.startsAt).getTime() + 15 * MINUTE);
    await scheduling.holdRoomUntil(first.id, until, true);
    const inside = new Date(new Date(next.startsAt).getTime() + 5 * MINUTE).toISOString();
    const r = await officer.agent
      .patch(`/api/exam-sessions/${next.id}`)
      .send({ startsAt: inside })
      .expect(409);
    expect(r.body.error.code).to.equal("room_busy");
    expect((await sessionPage(next.id)).overrunBy).to.deep.equal({
      sessionId: first.id,
      until: until.toISOString(),
    });
  });

  it("when time that may wait (an extension) would run into the next session, then it is refused and nothing is flagged", async () => {
    const { first, next } = await backToBack(6);
    const until = new Date(new Date(next.startsAt).getTime() + 15 * MINUTE);
    expect(await scheduling.holdRoomUntil(first.id, until)).to.equal(false);
    expect((await sessionPage(next.id)).overrunBy).to.equal(null);
  });

  /** Runs `work` in a transaction retried as the driver retries; how many tries it took. */
  async function inTransaction(work: (tx: ClientSession) => Promise<unknown>): Promise<number> {
    let tries = 0;
    await node.ctx.conn.transaction(async (tx) => {
      tries += 1;
      await work(tx);
    });
    return tries;
  }
  const bookedUntilOf = async (id: string) =>
    (await officer.agent.get(`/api/exam-sessions/${id}`).expect(200)).body.session.bookedUntil as string;

  it("when a hold joins a transaction that aborts, then the booking is as before; when it commits, then the booking has grown", async () => {
    // The later of the two: nothing is booked after it.
    const { next: first } = await backToBack(7);
    const until = new Date(new Date(first.bookedUntil).getTime() + 5 * MINUTE);
    const before = await bookedUntilOf(first.id);
    const aborted = await inTransaction(async (tx) => {
      expect(await scheduling.holdRoomUntil(first.id, until, false, tx)).to.equal(true);
      throw new Error("the extension's audit entry failed");
    }).then(
      () => "committed",
      (err: Error) => err.message,
    );
    expect(aborted).to.equal("the extension's audit entry failed");
    expect(await bookedUntilOf(first.id)).to.equal(before);
    await inTransaction((tx) => scheduling.holdRoomUntil(first.id, until, false, tx));
    expect(await bookedUntilOf(first.id)).to.equal(until.toISOString());
  });

  it("when the room's lock document is missing as a hold takes it in a transaction, then the lock is made and the transaction runs again under it", async () => {
    const { first } = await backToBack(8);
    const locks = node.ctx.conn.collection<{ roomId: string; seq: number }>("room_booking_locks");
    const roomId = (await officer.agent.get(`/api/exam-sessions/${first.id}`).expect(200)).body.session
      .roomId as string;
    await locks.deleteOne({ roomId });
    const until = new Date(new Date(first.bookedUntil).getTime() + 5 * MINUTE);
    const tries = await inTransaction((tx) => scheduling.holdRoomUntil(first.id, until, false, tx));
    expect(tries).to.equal(2);
    expect((await locks.findOne({ roomId }))?.seq).to.equal(1);
  });
});
