import { expect } from "chai";
import { newUserBody, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Organisation data that other records rely on: a division that is only a group of counties is
 * nobody's division, a retired centre takes no new room, one centre never holds two rooms of one
 * name, and the audit log shows a city's admins what was done in their city's centres.
 */
describe("organisation: group divisions, rooms of a centre, audit scope", function () {
  this.timeout(60_000);

  describe("on 湖北's node", () => {
    const env = useTestNode({ provinceCode: "420000", env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    let admin: AuthedAgent;
    before(async () => {
      admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "420000" });
    });

    it("when the province's directly administered counties (429000) are listed, then the group is named 省直辖县级行政区划 and is refused as an authority's, an account's or a test centre's division", async () => {
      const listed = (await admin.agent.get("/api/divisions").query({ parent: "420000" }).expect(200)).body
        .divisions as { code: string; name: string }[];
      expect(listed.find((d) => d.code === "429000")?.name).to.equal("省直辖县级行政区划");
      const refusals = [
        await admin.agent.post("/api/authorities").send({ name: "直辖运管处", divisionCode: "429000" }),
        await admin.agent
          .post("/api/users")
          .send(newUserBody({ roles: ["officer"], divisionCode: "429000" })),
        await admin.agent
          .post("/api/test-centres")
          .send({ name: "直辖考点", address: "仙桃 1 号", divisionCode: "429000" }),
      ];
      for (const res of refusals) {
        expect([res.status, res.body.error?.code]).to.deep.equal([400, "group_division"]);
        expect(res.body.error.message).to.include("仙桃市");
      }
      expect(
        await env.node.ctx.conn.collection("authorities").countDocuments({ divisionCode: "429000" }),
      ).to.equal(0);
      // A county-level city under the group is a division of its own.
      await admin.agent
        .post("/api/authorities")
        .send({ name: "仙桃市运管处", divisionCode: "429004" })
        .expect(201);
    });
  });

  describe("on 江苏's node", () => {
    const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    let admin: AuthedAgent;
    before(async () => {
      admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    });
    const aCentre = async (by: AuthedAgent = admin) =>
      (
        await by.agent
          .post("/api/test-centres")
          .send({
            name: `考点${Math.random().toString(16).slice(2, 8)}`,
            address: "玄武区 1 号",
            divisionCode: "320102",
          })
          .expect(201)
      ).body.testCentre as { id: string; name: string };

    it("when a room is added to a retired test centre, then it is refused and no room is written", async () => {
      const centre = await aCentre();
      await admin.agent.post(`/api/test-centres/${centre.id}/retire`).send({}).expect(204);
      const res = await admin.agent
        .post(`/api/test-centres/${centre.id}/rooms`)
        .send({ name: "新考场", seatCount: 2 });
      expect([res.status, res.body.error?.code]).to.deep.equal([409, "test_centre_retired"]);
      const after = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
      expect(after.rooms).to.deep.equal([]);
    });

    it("when two rooms of one name are added to a centre at once, then one is added and the other refused", async () => {
      for (let round = 0; round < 4; round++) {
        const centre = await aCentre();
        const add = () =>
          admin.agent.post(`/api/test-centres/${centre.id}/rooms`).send({ name: "第一考场", seatCount: 2 });
        const answers = await Promise.all([add(), add(), add()]);
        expect(answers.map((r) => r.status).sort(), `round ${round}`).to.deep.equal([201, 409, 409]);
        for (const r of answers.filter((a) => a.status === 409))
          expect(r.body.error.code).to.equal("room_exists");
        const after = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
        expect(after.rooms, `round ${round}`).to.have.length(1);
      }
    });

    it("when a province admin adds a room and issues a seat's kiosk token in a city's centre, then the city's admin finds both in the audit log", async () => {
      const centre = await aCentre();
      const room = (
        await admin.agent
          .post(`/api/test-centres/${centre.id}/rooms`)
          .send({ name: "第二考场", seatCount: 1 })
          .expect(201)
      ).body.room as { id: string; seats: { id: string }[] };
      await admin.agent
        .patch(`/api/test-centres/${centre.id}/rooms/${room.id}/seats/${room.seats[0]!.id}`)
        .send({ issueToken: true })
        .expect(200);
      const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
      for (const action of ["room.created", "seat.updated"]) {
        const entries = (await cityAdmin.agent.get("/api/audit").query({ action }).expect(200)).body
          .entries as {
          divisionCode: string | null;
          target: { id: string } | null;
          details: Record<string, unknown>;
        }[];
        const ours = entries.filter(
          (e) => e.target?.id === centre.id || e.details.testCentreId === centre.id,
        );
        expect(
          ours.map((e) => e.divisionCode),
          action,
        ).to.deep.equal(["320102"]);
      }
      // The seat's entry names its centre, room and seat: the page shows names, not the centre's id.
      const seatEntry = (
        await cityAdmin.agent
          .get("/api/audit")
          .query({ action: "seat.updated", targetId: room.seats[0]!.id })
          .expect(200)
      ).body.entries[0] as { details: Record<string, unknown> };
      expect(seatEntry.details).to.include({ testCentreName: centre.name, roomName: "第二考场", seatNo: 1 });
    });
  });
});
