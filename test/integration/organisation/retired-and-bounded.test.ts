import { expect } from "chai";
import { Types } from "mongoose";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { MAX_ROOMS_PER_CENTRE } from "../../../server/contracts/organisation.js";
import { AppError } from "../../../server/lib/errors.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { testCentreModel } from "../../../server/organisation/organisation.model.js";
import { createTestRoom, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A retired (停用) authority, centre or room is kept for the records and offered for nothing new:
 * it is not edited either. And a centre holds a bounded number of rooms (all of them live in the
 * centre's one document, which every seat login and every session reads).
 */
describe("organisation: retired data is not edited, and a centre's rooms are bounded", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const admin = useStaffAgent(env, { roles: ["admin"], divisionCode: "320000" });

  const centres = () => env.node.ctx.conn.collection("test_centres");
  const seatPath = (room: Awaited<ReturnType<typeof createTestRoom>>, i = 0) =>
    `/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/seats/${room.seats[i]!.seatId}`;

  /** A new centre with one room of one seat, and fillers up to one room short of the bound. */
  async function aCentreOneRoomShort() {
    const room = await createTestRoom(env.node, { seats: 1 });
    // Rooms written straight into the centre: building them one request at a time takes minutes.
    const filler = Array.from({ length: MAX_ROOMS_PER_CENTRE - 2 }, (_, i) => ({
      _id: new Types.ObjectId(),
      name: `机房${i + 1}`,
      seats: [],
      retiredAt: null,
    }));
    await centres().updateOne({ _id: new Types.ObjectId(room.testCentreId) }, {
      $push: { rooms: { $each: filler } },
    } as never);
    return room;
  }

  /**
   * The organisation service whose first transaction begins only after `meanwhile` (another
   * admin's change) has committed: after the service's own reads, before its write.
   */
  function anOrganisationServiceRacedBy(meanwhile: () => Promise<void>) {
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
    return createOrganisationService(conn, config.provinceCode, raced, { timeZone: config.timeZone });
  }

  it("when a seat of a retired room is bound to an IP or given a token, then it is refused room_retired and the seat is unchanged", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    await admin.agent
      .post(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/retire`)
      .send({})
      .expect(204);
    for (const body of [{ ip: "10.0.1.1" }, { issueToken: true }]) {
      const res = await admin.agent.patch(seatPath(room)).send(body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).to.deep.equal([409, "room_retired"]);
    }
    const stored = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    expect(stored?.rooms[0].seats[0].ip).to.equal(null);
  });

  it("when a seat of a retired centre is bound, or the centre renamed, then it is refused test_centre_retired and nothing changes", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    await admin.agent.post(`/api/test-centres/${room.testCentreId}/retire`).send({}).expect(204);
    const before = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    const seat = await admin.agent.patch(seatPath(room)).send({ ip: "10.0.1.2" });
    expect([seat.status, seat.body.error?.code]).to.deep.equal([409, "test_centre_retired"]);
    const renamed = await admin.agent
      .patch(`/api/test-centres/${room.testCentreId}`)
      .send({ name: "新名考点" });
    expect([renamed.status, renamed.body.error?.code]).to.deep.equal([409, "test_centre_retired"]);
    const after = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    expect(after).to.deep.equal(before);
  });

  it("when a retired authority is renamed, then it is refused authority_retired and keeps its name", async () => {
    const name = `旧运管处${Math.random().toString(16).slice(2, 8)}`;
    const authority = (
      await admin.agent.post("/api/authorities").send({ name, divisionCode: "320100" }).expect(201)
    ).body.authority as { id: string };
    await admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}).expect(204);
    const res = await admin.agent.patch(`/api/authorities/${authority.id}`).send({ name: `${name}改` });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "authority_retired"]);
    const stored = await env.node.ctx.conn
      .collection("authorities")
      .findOne({ _id: new Types.ObjectId(authority.id) });
    expect(stored?.name).to.equal(name);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "authority.updated", "target.id": authority.id }),
    ).to.equal(0);
  });

  it("when a centre's rooms reach the bound, then one more is refused too_many_rooms, also when the last free place is taken meanwhile", async () => {
    const room = await aCentreOneRoomShort();
    const service = anOrganisationServiceRacedBy(async () => {
      // The last free place, taken by another admin after the first read of the centre.
      await admin.agent
        .post(`/api/test-centres/${room.testCentreId}/rooms`)
        .send({ name: "最后一间", seatCount: 1 })
        .expect(201);
    });
    const refused = await service
      .addRoom(admin.user, room.testCentreId, { name: "多出一间", seatCount: 1 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "too_many_rooms", status: 409 });
    const again = await admin.agent
      .post(`/api/test-centres/${room.testCentreId}/rooms`)
      .send({ name: "再多一间", seatCount: 1 });
    expect([again.status, again.body.error?.code]).to.deep.equal([409, "too_many_rooms"]);
    expect(again.body.error.message).to.include(String(MAX_ROOMS_PER_CENTRE));
    const stored = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    expect(stored?.rooms).to.have.length(MAX_ROOMS_PER_CENTRE);
  });

  it("when a retired room is renamed, then it is refused room_retired and nothing changes", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    await admin.agent
      .post(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/retire`)
      .send({})
      .expect(204);
    const before = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    const res = await admin.agent
      .patch(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}`)
      .send({ name: "改名考场" });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "room_retired"]);
    expect(await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) })).to.deep.equal(before);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "room.updated", "target.id": room.testCentreId }),
    ).to.equal(0);
  });

  it("when a room is retired while another admin renames it, then the rename is refused room_retired and the room keeps its name", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    const service = anOrganisationServiceRacedBy(async () => {
      // Retired after the rename read the centre, before its transaction.
      await admin.agent
        .post(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/retire`)
        .send({})
        .expect(204);
    });
    const refused = await service.renameRoom(admin.user, room.testCentreId, room.roomId, "改名考场").then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "room_retired", status: 409 });
    const stored = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    expect(stored?.rooms[0].name).to.equal("第一考场");
  });

  it("when a room of a retired centre is renamed, then it is refused test_centre_retired and nothing changes", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    await admin.agent.post(`/api/test-centres/${room.testCentreId}/retire`).send({}).expect(204);
    const before = await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) });
    const res = await admin.agent
      .patch(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}`)
      .send({ name: "改名考场" });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "test_centre_retired"]);
    expect(await centres().findOne({ _id: new Types.ObjectId(room.testCentreId) })).to.deep.equal(before);
  });

  /**
   * A centre one room short of the bound, and an add whose conditional write loses to `meanwhile`,
   * another admin's change committed after this add's checks (the write's condition is then what
   * refuses it): answers what the add was refused with, and the rooms stored.
   */
  async function anAddLosingTo(meanwhile: (centreId: Types.ObjectId) => Promise<unknown>) {
    const room = await aCentreOneRoomShort();
    const centreId = new Types.ObjectId(room.testCentreId);
    const { conn, config } = env.node.ctx;
    const Centres = testCentreModel(conn);
    const write = Centres.updateOne.bind(Centres);
    const own = Object.getOwnPropertyDescriptor(Centres, "updateOne");
    let raced = false;
    // The add's conditional write, taken by the other admin's change just before it: the
    // condition no longer holds, so the write matches nothing.
    const losing = async (filter: Record<string, unknown>, update: unknown, options: unknown) => {
      if (!raced && `rooms.${MAX_ROOMS_PER_CENTRE - 1}` in filter) {
        raced = true;
        await meanwhile(centreId);
        return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
      }
      return write(filter as never, update as never, options as never);
    };
    Centres.updateOne = losing as unknown as typeof Centres.updateOne;
    try {
      const service = createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      });
      const refused = await service
        .addRoom(admin.user, room.testCentreId, { name: "多出一间", seatCount: 1 })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(raced, "the add's conditional write was reached").to.equal(true);
      const stored = await centres().findOne({ _id: centreId });
      return { refused, rooms: (stored?.rooms as { name: string }[]).map((r) => r.name) };
    } finally {
      if (own) Object.defineProperty(Centres, "updateOne", own);
      else Reflect.deleteProperty(Centres, "updateOne");
    }
  }

  it("when two admins add the 100th room at once, then the loser is refused too_many_rooms, not test_centre_retired", async () => {
    const { refused, rooms } = await anAddLosingTo((centreId) =>
      centres().updateOne({ _id: centreId }, {
        $push: { rooms: { _id: new Types.ObjectId(), name: "最后一间", seats: [], retiredAt: null } },
      } as never),
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "too_many_rooms", status: 409 });
    expect(rooms).to.have.length(MAX_ROOMS_PER_CENTRE);
    expect(rooms).to.include("最后一间").and.not.include("多出一间");
  });

  it("when the centre is retired while its 100th room is added, then the add is refused test_centre_retired", async () => {
    const { refused, rooms } = await anAddLosingTo((centreId) =>
      centres().updateOne({ _id: centreId }, { $set: { retiredAt: new Date() } }),
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "test_centre_retired", status: 409 });
    expect(rooms).to.have.length(MAX_ROOMS_PER_CENTRE - 1);
  });
});
