import { expect } from "chai";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";

interface CentreView {
  rooms: { id: string; name: string }[];
}

/**
 * A room's name is how staff, tickets and the proctor console tell rooms apart, so two rooms of
 * one centre never share a name, nor names that read the same (full-width digits or letters,
 * another case, spaces): not when a room is added, not when one is renamed, and not when two such
 * requests come at once, on one instance or on two sharing the database.
 */
describe("organisation: room names within a centre", function () {
  this.timeout(120_000);
  let node: TestNode;
  let other: TestNode;
  let admin: AuthedAgent;
  let adminOnOther: AuthedAgent;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    other = await startTestNode({
      shareDatabase: node.dbName,
      env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" },
    });
    admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    adminOnOther = await staffAgent(other, { roles: ["admin"], divisionCode: "320000" });
  });
  after(async () => {
    await other.stop();
    await node.stop();
  });

  /** A centre with rooms of these names, added one after another. */
  async function aCentreWith(...names: string[]) {
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({
          name: `考点${Math.random().toString(16).slice(2, 8)}`,
          address: "玄武区 1 号",
          divisionCode: "320102",
        })
        .expect(201)
    ).body.testCentre as { id: string };
    const rooms: { id: string }[] = [];
    for (const name of names)
      rooms.push(
        (
          await admin.agent
            .post(`/api/test-centres/${centre.id}/rooms`)
            .send({ name, seatCount: 1 })
            .expect(201)
        ).body.room as { id: string },
      );
    return { centre, rooms };
  }
  const roomNames = async (centreId: string) =>
    ((await admin.agent.get(`/api/test-centres/${centreId}`).expect(200)).body.testCentre as CentreView).rooms
      .map((r) => r.name)
      .sort();
  const rename = (by: AuthedAgent, centreId: string, roomId: string, name: string) =>
    by.agent.patch(`/api/test-centres/${centreId}/rooms/${roomId}`).send({ name });

  for (const [taken, asked] of [
    ["第一考场", "第一考场"],
    ["第1考场", "第１考场"],
    ["A101", "a101"],
    ["机房 一", "机房一"],
  ] as const) {
    it(`when a room is renamed to "${asked}" while another room of the centre is "${taken}", then it is refused room_exists and both keep their names`, async () => {
      const { centre, rooms } = await aCentreWith(taken, "第二考场");
      const res = await rename(admin, centre.id, rooms[1]!.id, asked);
      expect([res.status, res.body.error?.code]).to.deep.equal([409, "room_exists"]);
      expect(res.body.error.message).to.equal("该考场名称已存在");
      expect(await roomNames(centre.id)).to.deep.equal([taken, "第二考场"].sort());
    });
  }

  it('when a room is added as "ａ１０１" while the centre has "A101", then it is refused room_exists', async () => {
    const { centre } = await aCentreWith("A101");
    const res = await admin.agent
      .post(`/api/test-centres/${centre.id}/rooms`)
      .send({ name: "ａ１０１", seatCount: 1 });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "room_exists"]);
    expect(await roomNames(centre.id)).to.deep.equal(["A101"]);
  });

  it("when a room is renamed to another spelling of its own name, then the rename goes through", async () => {
    const { centre, rooms } = await aCentreWith("a101", "第二考场");
    await rename(admin, centre.id, rooms[0]!.id, "A101").expect(204);
    expect(await roomNames(centre.id)).to.deep.equal(["A101", "第二考场"].sort());
  });

  it("when two rooms of a centre are renamed to one name at once, on one instance or on two, then one rename goes through and the other is refused room_exists", async () => {
    for (let round = 0; round < 4; round++) {
      const { centre, rooms } = await aCentreWith("第一考场", "第二考场");
      const second = round % 2 === 0 ? admin : adminOnOther;
      const answers = await Promise.all([
        rename(admin, centre.id, rooms[0]!.id, "机房甲"),
        rename(second, centre.id, rooms[1]!.id, "机房甲"),
      ]);
      expect(answers.map((r) => r.status).sort(), `round ${round}`).to.deep.equal([204, 409]);
      expect(answers.find((r) => r.status === 409)?.body.error.code).to.equal("room_exists");
      const names = await roomNames(centre.id);
      expect(
        names.filter((n) => n === "机房甲"),
        `round ${round}: ${names.join("、")}`,
      ).to.have.length(1);
    }
  });

  it("when a room is added under a name while another room is renamed to it, then never both succeed", async () => {
    for (let round = 0; round < 4; round++) {
      const { centre, rooms } = await aCentreWith("第一考场");
      const second = round % 2 === 0 ? admin : adminOnOther;
      const answers = await Promise.all([
        rename(admin, centre.id, rooms[0]!.id, "机房乙"),
        second.agent.post(`/api/test-centres/${centre.id}/rooms`).send({ name: "机房乙", seatCount: 1 }),
      ]);
      expect(
        answers.filter((r) => r.status === 409),
        `round ${round}`,
      ).to.have.length(1);
      const names = await roomNames(centre.id);
      expect(
        names.filter((n) => n === "机房乙"),
        `round ${round}: ${names.join("、")}`,
      ).to.have.length(1);
    }
  });
});
