import { expect } from "chai";
import { Types } from "mongoose";
import type { RunningNode } from "../../../server/main.js";
import { staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

/**
 * A retry sends a record the hub refused (a dead letter) to the hub again: an officer's act on what
 * the province tells the nation, so it is audited with the state change it makes, and its id is
 * read as every ObjectId the API takes (RecordId: any case, lower-cased).
 */
describe("sharing: retrying a dead-lettered record", () => {
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
      key: `outbound-retry:${n}`,
      name: "exam.passed",
      payload: {},
      subject: `outbound-retry-${n}`,
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
  const retriesAudited = (id: string) =>
    node.ctx.conn.collection("audit_log").find({ action: "hub.outbound_retried", "target.id": id }).toArray();

  it("when a province officer retries a dead letter, then it is queued again and one audit entry names the officer and the entry", async () => {
    const id = await aParkedEntry();
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    await officer.agent.post(`/api/sharing/outbound/${id}/retry`).send({}).expect(200);
    expect(await hubState(id)).to.not.equal("failed");
    const entries = await retriesAudited(id);
    expect(entries).to.have.length(1);
    expect(entries[0]?.target).to.deep.equal({ type: "outbox_entry", id });
    expect((entries[0]?.actor as { id: string }).id).to.equal(officer.staff.id);
  });

  it("when the id is sent in upper case, then it is read as the same entry and retried", async () => {
    const id = await aParkedEntry();
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    await officer.agent.post(`/api/sharing/outbound/${id.toUpperCase()}/retry`).send({}).expect(200);
    expect(await hubState(id)).to.not.equal("failed");
    expect(await retriesAudited(id)).to.have.length(1);
  });

  it("when the entry is not parked (already retried) or the id is no ObjectId, then nothing is audited and the answer says so", async () => {
    const id = await aParkedEntry();
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    await officer.agent.post(`/api/sharing/outbound/${id}/retry`).send({}).expect(200);
    const again = await officer.agent.post(`/api/sharing/outbound/${id}/retry`).send({});
    expect(again.status).to.equal(404);
    expect(await retriesAudited(id)).to.have.length(1);
    const bad = await officer.agent.post(`/api/sharing/outbound/not-an-id/retry`).send({});
    expect(bad.status).to.equal(400);
  });
});
