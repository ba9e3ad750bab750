import { expect } from "chai";
import { Types } from "mongoose";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { createOrganisationService, type OrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService, type SchedulingService } from "../../../server/scheduling/index.js";
import { createTestRoom, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const refusalOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

/**
 * Organisation changes decided on a copy read before their transaction: another admin's change
 * committing in between (on this instance, whose audited transactions are queued, or on another)
 * must be seen by the check inside the transaction, never overwritten by the stale copy.
 */
describe("organisation: changes that race another admin's", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const admin = useStaffAgent(env, { roles: ["admin"], divisionCode: "320000" });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320000" });

  /**
   * An organisation service whose next audited transaction first lets `meanwhile` commit: the
   * change read the centre (or authority) before, and decides after the other admin's change.
   */
  function racedBy(meanwhile: () => Promise<void>): OrganisationService {
    const { conn, config } = env.node.ctx;
    const audit = createAuditService(conn);
    let pending: (() => Promise<void>) | null = meanwhile;
    const raced: AuditLog = {
      ...audit,
      async transaction(work) {
        const first = pending;
        pending = null;
        if (first) await first();
        return audit.transaction(work);
      },
    };
    // Wired as server/features.ts wires them: organisation asks scheduling for a room's sessions.
    const wired: { sched?: SchedulingService } = {};
    const org = createOrganisationService(conn, config.provinceCode, raced, {
      roomUse: () => wired.sched,
      timeZone: config.timeZone,
    });
    wired.sched = createSchedulingService(conn, {
      provinceCode: config.provinceCode,
      timeZone: config.timeZone,
      organisation: org,
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
    });
    return org;
  }

  const aCentre = async () =>
    (
      await admin.agent
        .post("/api/test-centres")
        .send({
          name: `考点${Math.random().toString(16).slice(2, 8)}`,
          address: "玄武区 1 号",
          divisionCode: "320102",
        })
        .expect(201)
    ).body.testCentre as { id: string };
  const addRoom = (centreId: string, name: string) =>
    admin.agent.post(`/api/test-centres/${centreId}/rooms`).send({ name, seatCount: 1 });
  const storedCentre = (id: string) =>
    env.node.ctx.conn.collection("test_centres").findOne({ _id: new Types.ObjectId(id) });

  it("when two seats of one room are bound to one IP at once, in two spellings, then one is bound and the other refused seat_ip_taken", async () => {
    const room = await createTestRoom(env.node, { seats: 2 });
    const seatPath = (i: number) =>
      `/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/seats/${room.seats[i]!.seatId}`;
    const service = racedBy(async () => {
      await admin.agent.patch(seatPath(1)).send({ ip: "::ffff:10.0.0.5" }).expect(200);
    });

    const refused = await refusalOf(
      service.updateSeat(admin.user, room.testCentreId, room.roomId, room.seats[0]!.seatId, {
        ip: "10.0.0.5",
      }),
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "seat_ip_taken", status: 409 });
    const seats = (await storedCentre(room.testCentreId))?.rooms[0].seats as {
      _id: Types.ObjectId;
      ip: string | null;
    }[];
    expect(seats.filter((s) => s.ip === "10.0.0.5").map((s) => String(s._id))).to.deep.equal([
      room.seats[1]!.seatId,
    ]);
    // The refused change left no entry: only the other admin's binding is on record.
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({
        action: "seat.updated",
        "details.testCentreId": room.testCentreId,
        "details.ip": "10.0.0.5",
      });
    expect(entries).to.equal(1);
  });

  it("when two seats of one room are bound to one IP at once through the API, then never both are bound", async () => {
    for (let round = 0; round < 4; round++) {
      const room = await createTestRoom(env.node, { seats: 2 });
      const bind = (i: number) =>
        admin.agent
          .patch(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/seats/${room.seats[i]!.seatId}`)
          .send({ ip: "10.0.0.7" });
      const answers = await Promise.all([bind(0), bind(1)]);
      expect(answers.map((r) => r.status).sort(), `round ${round}`).to.deep.equal([200, 409]);
      expect(answers.find((r) => r.status === 409)?.body.error.code).to.equal("seat_ip_taken");
      const seats = (await storedCentre(room.testCentreId))?.rooms[0].seats as { ip: string | null }[];
      expect(
        seats.filter((s) => s.ip === "10.0.0.7"),
        `round ${round}`,
      ).to.have.length(1);
    }
  });

  it("when a room with a session to come is added while the centre is being retired, then the retirement is refused in_use and the centre stays in use", async () => {
    const centre = await aCentre();
    await addRoom(centre.id, "第一考场").expect(201);
    const service = racedBy(async () => {
      const room = (await addRoom(centre.id, "第二考场").expect(201)).body.room as { id: string };
      await officer.agent
        .post("/api/exam-sessions")
        .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt: inDays(3) })
        .expect(201);
    });

    const refused = await refusalOf(service.retireTestCentre(admin.user, centre.id));
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "in_use", status: 409 });
    expect((await storedCentre(centre.id))?.retiredAt).to.equal(null);
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "test_centre.retired", "target.id": centre.id });
    expect(entries).to.equal(0);
  });

  it("when an authority is retired by two admins at once, then one retirement is recorded and the other refused already_retired", async () => {
    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: `运管处${Math.random().toString(16).slice(2, 8)}`, divisionCode: "320100" })
        .expect(201)
    ).body.authority as { id: string };
    const service = racedBy(async () => {
      await admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}).expect(204);
    });
    const firstAt = async () =>
      (await env.node.ctx.conn.collection("authorities").findOne({ _id: new Types.ObjectId(authority.id) }))
        ?.retiredAt as Date | null;

    const refused = await refusalOf(service.retireAuthority(admin.user, authority.id));
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "already_retired", status: 409 });
    expect(await firstAt()).to.be.instanceOf(Date);
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "authority.retired", "target.id": authority.id });
    expect(entries).to.equal(1);
  });
});
