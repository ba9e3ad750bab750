import { expect } from "chai";
import { createRegistryService } from "../../../server/hub/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { startTestHub, type TestHub } from "./support.js";

/**
 * Two key changes for one province at once (two operators, or two hub instances): each read the
 * node's keys, then wrote its own list, so the second write dropped the first one's key: neither
 * current nor retired, a key the operator had registered was gone without a word. Each change is
 * now written only over the state it read: both are recorded, or the later one is refused.
 */
describe("hub registry: concurrent registrations of one province", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub.node.stop();
  });

  const nodeOf = (provinceCode: string) =>
    hub.node.ctx.conn.collection("hub_nodes").findOne({ provinceCode }) as Promise<{
      nodeKeys: { keyId: string; retiredAt: Date | null }[];
    } | null>;

  it("when two new node keys of one province are registered at the same time on two instances, then neither is silently lost: each is recorded or refused with a conflict", async () => {
    const provinceCode = "510000";
    const first = generateNodeKey();
    await hub.registry.register({
      provinceCode,
      name: "四川",
      nodeKey: first.publicKeyX,
      certificateKeys: [],
    });
    const instances = [
      createRegistryService(hub.node.ctx.conn),
      createRegistryService(hub.node.ctx.conn),
      hub.registry,
    ];
    const keys = instances.map(() => generateNodeKey());
    const results = await Promise.allSettled(
      instances.map((registry, i) =>
        registry.register({ provinceCode, name: "四川", nodeKey: keys[i]!.publicKeyX, certificateKeys: [] }),
      ),
    );
    const node = await nodeOf(provinceCode);
    const held = new Map(node?.nodeKeys.map((k) => [k.keyId, k]));
    for (const [i, r] of results.entries()) {
      if (r.status === "fulfilled")
        expect(held.has(keys[i]!.keyId), `registration ${i} answered success but its key is gone`).to.equal(
          true,
        );
      else
        expect(r.reason)
          .to.be.instanceOf(AppError)
          .and.to.include({ code: "registration_conflict", status: 409 });
    }
    expect(results.some((r) => r.status === "fulfilled")).to.equal(true);
    // One current key, the one registered last; the first key and every other recorded one retired.
    expect(node?.nodeKeys.filter((k) => k.retiredAt === null)).to.have.length(1);
    expect(held.get(first.keyId)?.retiredAt).to.be.instanceOf(Date);
  });

  it("when a refused registration is sent again, then it is recorded over the state the other wrote", async () => {
    const provinceCode = "520000";
    await hub.registry.register({
      provinceCode,
      name: "贵州",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    const a = generateNodeKey();
    const b = generateNodeKey();
    const other = createRegistryService(hub.node.ctx.conn);
    const results = await Promise.allSettled([
      hub.registry.register({ provinceCode, name: "贵州", nodeKey: a.publicKeyX, certificateKeys: [] }),
      other.register({ provinceCode, name: "贵州", nodeKey: b.publicKeyX, certificateKeys: [] }),
    ]);
    for (const [i, r] of results.entries())
      if (r.status === "rejected")
        await [hub.registry, other][i]!.register({
          provinceCode,
          name: "贵州",
          nodeKey: [a, b][i]!.publicKeyX,
          certificateKeys: [],
        });
    const held = new Set((await nodeOf(provinceCode))?.nodeKeys.map((k) => k.keyId));
    expect(held.has(a.keyId) && held.has(b.keyId)).to.equal(true);
  });

  it("when a province is registered for the first time twice at once, then neither is silently lost: each is recorded or refused with a conflict, and one at least is recorded", async () => {
    const provinceCode = "530000";
    const keys = [generateNodeKey(), generateNodeKey()];
    const registries = [hub.registry, createRegistryService(hub.node.ctx.conn)];
    const results = await Promise.allSettled(
      registries.map((registry, i) =>
        registry.register({ provinceCode, name: "云南", nodeKey: keys[i]!.publicKeyX, certificateKeys: [] }),
      ),
    );
    const held = new Set((await nodeOf(provinceCode))?.nodeKeys.map((k) => k.keyId));
    for (const [i, r] of results.entries()) {
      if (r.status === "fulfilled") expect(held.has(keys[i]!.keyId)).to.equal(true);
      else expect(r.reason).to.be.instanceOf(AppError).and.to.include({ code: "registration_conflict" });
    }
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length.of.at.least(1);
  });
});
