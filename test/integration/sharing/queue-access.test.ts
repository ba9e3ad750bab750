import { expect } from "chai";
import { Types } from "mongoose";
import type { RunningNode } from "../../../server/main.js";
import { staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

/**
 * The province's delivery queue to the hub (上报队列, with its retry) and the lookups other
 * provinces made of its people are the province node's, not a division's: an entry names no office
 * (a pass record names only the province), a retry releases the person's later records whichever
 * city they belong to, and a lookup notice names the person, not their office. So they are the
 * province level's operator tools: a city or county account, whatever its role, is refused.
 */
describe("sharing: the delivery queue and lookup notices are the province level's", () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ provinceCode: "320000" });
  });
  after(async () => {
    await node.stop();
  });

  /** A parked outbox entry of the hub's consumer, as the publisher leaves a rejected record. */
  async function aParkedEntry(): Promise<string> {
    const n = Math.random().toString(36).slice(2, 10);
    const res = await node.ctx.conn.collection("outbox").insertOne({
      key: `queue-access:${n}`,
      name: "exam.passed",
      payload: {},
      subject: `queue-access-${n}`,
      status: "done",
      attempts: 1,
      availableAt: new Date(),
      createdAt: new Date(),
      deliveries: {
        hub: {
          status: "failed",
          attempts: 3,
          availableAt: new Date(),
          lastError: "全国中心拒收该记录，见拒收原因",
          result: null,
        },
      },
    });
    return String(res.insertedId);
  }
  const hubState = async (id: string) =>
    (
      (await node.ctx.conn.collection("outbox").findOne({ _id: new Types.ObjectId(id) }))?.deliveries as {
        hub: { status: string };
      }
    ).hub.status;

  it("when a city officer opens the queue, retries an entry or reads the lookup notices, then each is refused and the entry stays parked", async () => {
    const id = await aParkedEntry();
    for (const roles of [["officer"], ["admin"]] as const) {
      const city = await staffAgent(node, { roles: [...roles], divisionCode: "320100" });
      for (const res of [
        await city.agent.get("/api/sharing/outbound?status=dead"),
        await city.agent.post(`/api/sharing/outbound/${id}/retry`).send({}),
        await city.agent.get("/api/sharing/lookup-notices"),
      ]) {
        expect(res.status, `${roles[0]} ${res.request.url}`).to.equal(403);
        const { error } = res.body as { error: { code: string; message: string } };
        expect(error.code).to.equal("province_level_only");
        expect(error.message).to.match(/省级/);
      }
    }
    expect(await hubState(id)).to.equal("failed");
  });

  it("when a province officer opens the queue and retries an entry, then the province's entries are listed and the entry is queued again", async () => {
    const id = await aParkedEntry();
    const province = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const listed = await province.agent.get("/api/sharing/outbound?status=dead").expect(200);
    expect((listed.body as { id: string }[]).map((e) => e.id)).to.include(id);
    await province.agent.post(`/api/sharing/outbound/${id}/retry`).send({}).expect(200);
    expect(await hubState(id)).to.not.equal("failed");
    await province.agent.get("/api/sharing/lookup-notices").expect(200);
  });
});
