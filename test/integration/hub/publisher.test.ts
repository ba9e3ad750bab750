import { expect } from "chai";
import { createLogger } from "../../../server/lib/logger.js";
import { createHoldPause, HOLD_REASONS } from "../../../server/lib/queue-hold.js";
import {
  createMessageLog,
  createNodeClient,
  createPublisher,
  generateNodeKey,
  type NodeClient,
  type NodeKey,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import {
  aCertificateEvent,
  aNewIdNumber,
  anExamPassed,
  anOutboxEvent,
  aStatusChange,
  useHubWithJiangsu,
} from "./support.js";

const silent = createLogger({ level: "silent", name: "test" });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("province publisher (the outbox's hub consumer)", () => {
  const provinceDb = useTestDatabase("prov_pub");
  const suite = useHubWithJiangsu(provinceDb);

  /** A client whose network can be cut: while `down`, every request fails to connect. */
  function switchableClient(state: { down: boolean; hangAfterSend?: boolean }): NodeClient {
    const fetchImpl: typeof fetch = async (input, init) => {
      if (state.down) throw new TypeError("fetch failed: connect ECONNREFUSED");
      const res = await fetch(input, init);
      // The instance "dies" after the hub applied the batch but before it recorded the answer.
      if (state.hangAfterSend) await new Promise(() => undefined);
      return res;
    };
    return createNodeClient({ key: suite.jiangsu.key, peer: suite.hub.peer, log: createMessageLog(provinceDb.conn), fetchImpl });
  }

  const hubChangesOf = (idNumber: string) =>
    suite.hub.node.ctx.conn.collection("hub_changes").find({ idNumber }).sort({ seq: 1 }).toArray();
  const outbox = () => provinceDb.conn.collection("outbox");
  const hubState = async (key: string) => ((await outbox().findOne({ key }))?.deliveries as { hub?: Record<string, unknown> } | undefined)?.hub;

  it("when the hub is down while passes and certificates happen and then comes back, then every record arrives exactly once, each record's versions in order", async () => {
    const network = { down: true };
    const client = switchableClient(network);
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0, batchSize: 10, holdMs: { first: 10, max: 10 } });
    const people = [aNewIdNumber(), aNewIdNumber()];
    for (const idNumber of people) {
      await anOutboxEvent(provinceDb.conn, "exam.passed", anExamPassed({ idNumber }), `exam.passed:${idNumber}`);
      await anOutboxEvent(provinceDb.conn, "certificate.issued", aCertificateEvent({ idNumber, version: 1 }), `cert1:${idNumber}`);
      await anOutboxEvent(provinceDb.conn, "certificate.status_changed", aStatusChange({ idNumber, version: 1, status: "revoked" }), `cert1r:${idNumber}`);
    }
    await publisher.drainOnce();
    expect(await hubChangesOf(people[0]!)).to.have.length(0);
    expect(await hubState(`exam.passed:${people[0]}`)).to.include({ status: "pending", attempts: 0 });
    expect(await hubState(`cert1r:${people[0]}`)).to.equal(undefined, "a later version of the same record waits");

    network.down = false;
    await sleep(20);
    for (let i = 0; i < 5; i++) await publisher.drainOnce();
    for (const idNumber of people) {
      const changes = await hubChangesOf(idNumber);
      // Certificate version 1 valid is hub version 1, its revocation hub version 2.
      expect(changes.map((c) => `${c.recordType}:${c.version}`)).to.have.members(["exam_pass:1", "certificate:1", "certificate:2"]);
      expect(changes.filter((c) => c.recordType === "certificate").map((c) => c.version)).to.deep.equal([1, 2]);
      const pointer = await suite.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
      expect(pointer).to.include({ certificateStatus: "revoked", certificateNumber: idNumber });
    }
    for (const idNumber of people)
      for (const key of [`exam.passed:${idNumber}`, `cert1:${idNumber}`, `cert1r:${idNumber}`])
        expect(await hubState(key)).to.include({ status: "done" });
    expect(await provinceDb.conn.collection("sharing_receipts").countDocuments()).to.be.greaterThan(0);
  });

  it("when a pass is voided before publication, then the hub deletes its record and the practitioner no longer shows the category", async () => {
    const idNumber = aNewIdNumber();
    const pass = anExamPassed({ idNumber });
    await anOutboxEvent(provinceDb.conn, "exam.passed", pass, `void-pass:${idNumber}`);
    const client = switchableClient({ down: false });
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0, batchSize: 10 });
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    const pointer = () => suite.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
    expect((await pointer())?.categories).to.deep.equal(["02001"]);

    await anOutboxEvent(provinceDb.conn, "exam.voided", { pass, note: "考生携带手机，违纪", voidedAt: new Date().toISOString() }, `void:${idNumber}`);
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    expect(await hubState(`void:${idNumber}`)).to.include({ status: "done" });
    const changes = await hubChangesOf(idNumber);
    expect(changes.map((c) => `${c.recordType}:${c.version}`)).to.deep.equal(["exam_pass:1", "exam_pass:2"]);
    expect((await pointer())?.categories).to.deep.equal([]);
  });

  it("when two instances write one record's versions and the first one's clock runs ten minutes ahead, then the hub still receives them in the order they were written", async () => {
    const ahead = () => new Date(Date.now() + 10 * 60_000);
    const onTime = () => new Date();
    const idNumber = aNewIdNumber();
    // Instance A (clock ahead) records the pass and issues the certificate; instance B (clock right) then revokes it.
    await anOutboxEvent(provinceDb.conn, "exam.passed", anExamPassed({ idNumber }), `skew-pass:${idNumber}`, ahead);
    await anOutboxEvent(provinceDb.conn, "certificate.issued", aCertificateEvent({ idNumber, version: 1 }), `skew-cert:${idNumber}`, ahead);
    await anOutboxEvent(provinceDb.conn, "certificate.status_changed", aStatusChange({ idNumber, version: 1, status: "revoked" }), `skew-rev:${idNumber}`, onTime);
    const client = switchableClient({ down: false });
    const publishers = [ahead, onTime].map((now) =>
      createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0, batchSize: 10, now }),
    );
    for (let i = 0; i < 4; i++) await Promise.all(publishers.map((p) => p.drainOnce()));
    const changes = await hubChangesOf(idNumber);
    // By time the revocation came first; the hub would have answered the issue `stale` after it.
    expect(changes.map((c) => `${c.recordType}:${c.version}`)).to.have.members(["exam_pass:1", "certificate:1", "certificate:2"]);
    expect(changes.filter((c) => c.recordType === "certificate").map((c) => c.version)).to.deep.equal([1, 2]);
    for (const key of [`skew-pass:${idNumber}`, `skew-cert:${idNumber}`, `skew-rev:${idNumber}`])
      expect(await hubState(key)).to.include({ status: "done" });
  });

  it("when more later versions than one claim looks at wait behind earlier ones stamped by a clock ahead, then the earlier ones still go first and every version arrives", async () => {
    const ahead = () => new Date(Date.now() + 10 * 60_000);
    const people = Array.from({ length: 12 }, () => aNewIdNumber("320104"));
    // Each person's certificate is issued on an instance ten minutes ahead and revoked on one on
    // time: by time, the twelve revocations come before every issue.
    for (const idNumber of people)
      await anOutboxEvent(provinceDb.conn, "certificate.issued", aCertificateEvent({ idNumber, version: 1 }), `wait-cert:${idNumber}`, ahead);
    for (const idNumber of people)
      await anOutboxEvent(provinceDb.conn, "certificate.status_changed", aStatusChange({ idNumber, version: 1, status: "revoked" }), `wait-rev:${idNumber}`);
    const client = switchableClient({ down: false });
    // One entry per batch: a claim looks at the ten oldest due entries by time.
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0, batchSize: 1 });
    for (let i = 0; i < 30 && (await publisher.drainOnce()) > 0; i++);
    for (const idNumber of people) {
      const changes = await hubChangesOf(idNumber);
      expect(changes.map((c) => `${c.recordType}:${c.version}`), idNumber).to.deep.equal(["certificate:1", "certificate:2"]);
    }
  });

  it("when an instance is killed after the hub applied its batch, then another instance re-sends after the lease and the hub applies nothing twice", async () => {
    const idNumber = aNewIdNumber();
    const dying = createPublisher({
      conn: provinceDb.conn, logger: silent, client: () => switchableClient({ down: false, hangAfterSend: true }), leaseMs: 300,
    });
    await anOutboxEvent(provinceDb.conn, "exam.passed", anExamPassed({ idNumber }), `exam.passed:${idNumber}`);
    void dying.drainOnce();
    for (let i = 0; i < 100 && (await hubChangesOf(idNumber)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await hubState(`exam.passed:${idNumber}`)).to.include({ status: "processing", claimedBy: dying.instanceId });

    // Instances of one node share its configuration, the lease included.
    const survivor = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => switchableClient({ down: false }), leaseMs: 300 });
    for (let i = 0; i < 100 && (await hubState(`exam.passed:${idNumber}`))?.status !== "done"; i++) {
      await survivor.drainOnce();
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = await hubState(`exam.passed:${idNumber}`);
    expect(state).to.include({ status: "done" });
    expect(state?.result).to.include({ outcome: "duplicate" });
    expect(await hubChangesOf(idNumber)).to.have.length(1);
  });

  it("when the hub rejects a record, then it is parked with the hub's reasons, the practitioner's other records still go, and an officer's retry sends it again", async () => {
    const idNumber = aNewIdNumber();
    const client = switchableClient({ down: false });
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0 });
    // A pass dated in the future: the hub refuses it.
    const bad = { ...anExamPassed({ idNumber }), submittedAt: new Date(Date.now() + 3 * 86_400_000).toISOString() };
    await anOutboxEvent(provinceDb.conn, "exam.passed", bad, `bad:${idNumber}`);
    await anOutboxEvent(provinceDb.conn, "certificate.issued", aCertificateEvent({ idNumber }), `good:${idNumber}`);
    await publisher.drainOnce();
    const dead = await outbox().findOne({ key: `bad:${idNumber}` });
    const state = await hubState(`bad:${idNumber}`);
    expect(state).to.include({ status: "failed" });
    expect((state?.result as { outcome: string; reasons: { code: string }[] }).outcome).to.equal("rejected");
    expect((state?.result as { reasons: { code: string }[] }).reasons.map((r) => r.code)).to.include("future_date");
    // Another record of the same person: a parked pass holds it back no more.
    expect(await hubState(`good:${idNumber}`)).to.include({ status: "done" });
    expect((await hubChangesOf(idNumber)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal(["certificate:1"]);
    const listed = await publisher.list({ status: "failed", limit: 50 });
    expect(listed.map((e) => e.key)).to.include(`bad:${idNumber}`);

    expect(await publisher.retry(String(dead?._id))).to.equal(true);
    expect(await hubState(`bad:${idNumber}`)).to.include({ status: "pending", attempts: 0 });
  });
  describe("while the hub does not know the node's key", () => {
    // Its own outbox, emptied before each test: a publisher claims every due entry, and one test's
    // records must not meet another test's key.
    const db = useTestDatabase("prov_hold");
    beforeEach(() => db.conn.collection("outbox").deleteMany({}));
    const state = async (key: string) =>
      ((await db.conn.collection("outbox").findOne({ key }))?.deliveries as { hub?: Record<string, unknown> } | undefined)?.hub;
    const clientOf = (key: NodeKey) => createNodeClient({ key, peer: suite.hub.peer, log: createMessageLog(db.conn) });
    const register = (provinceCode: string, key: NodeKey) =>
      suite.hub.registry.register({ provinceCode, name: provinceCode, nodeKey: key.publicKeyX, certificateKeys: [] });

    it("when a new node's records meet a hub that has not registered its key, then they wait without using up attempts or a warning, and arrive once the operator registers it", async () => {
      const key = generateNodeKey();
      const client = clientOf(key);
      const { logger, lines, warnings } = recordingLogger();
      // Two attempts would park a record that counted its tries.
      const publisher = createPublisher({ conn: db.conn, logger, client: () => client, backoffMs: () => 0, maxAttempts: 2, holdMs: { first: 20, max: 40 } });
      const idNumber = aNewIdNumber("330102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber, province: "330000" }), `hold:${idNumber}`);
      for (let i = 0; i < 4; i++) {
        await publisher.drainOnce();
        await sleep(50);
      }
      expect(await state(`hold:${idNumber}`)).to.include({ status: "pending", attempts: 0 });
      expect(String((await state(`hold:${idNumber}`))?.lastError)).to.include("unknown_key");
      expect(warnings()).to.deep.equal([]);
      expect(lines.filter((l) => l.level === "info").length).to.be.at.least(4);
      expect(await hubChangesOf(idNumber)).to.have.length(0);

      await register("330000", key);
      await sleep(50);
      await publisher.drainOnce();
      expect(await state(`hold:${idNumber}`)).to.include({ status: "done", attempts: 1 });
      expect((await hubChangesOf(idNumber)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal(["exam_pass:1"]);
      expect(warnings()).to.deep.equal([]);
    });

    it("when the hub has answered that it does not know the key, then the queue asks it again only after its pause, not on every pass", async () => {
      let requests = 0;
      const fetchImpl: typeof fetch = (input, init) => {
        requests += 1;
        return fetch(input, init);
      };
      const client = createNodeClient({ key: generateNodeKey(), peer: suite.hub.peer, log: createMessageLog(db.conn), fetchImpl });
      const publisher = createPublisher({ conn: db.conn, logger: silent, client: () => client, holdMs: { first: 60_000, max: 60_000 } });
      const idNumber = aNewIdNumber("360102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber, province: "360000" }), `pause:${idNumber}`);
      await publisher.drainOnce();
      expect(requests).to.equal(1);
      // A commit kicks the queue and the poll comes round: neither asks again during the pause.
      for (let i = 0; i < 3; i++) expect(await publisher.drainOnce()).to.equal(0);
      expect(requests).to.equal(1);
    });

    it("when a request names a registered key id but is signed with another key, then the hub's 401 comes unsigned and the records wait uncounted, parking nothing", async () => {
      // The hub could not verify the request, so it does not sign its refusal: the same answer a
      // request changed on the way gets, which must not park a province's records.
      const owner = generateNodeKey();
      await register("340000", owner);
      const impostor = { ...generateNodeKey(), keyId: owner.keyId };
      const client = clientOf(impostor);
      const { logger, warnings } = recordingLogger();
      const publisher = createPublisher({ conn: db.conn, logger, client: () => client, backoffMs: () => 0, maxAttempts: 1, holdMs: { first: 0, max: 0 } });
      const idNumber = aNewIdNumber("340102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber, province: "340000" }), `wrong:${idNumber}`);
      for (let i = 0; i < 3; i++) await publisher.drainOnce();
      const waiting = "全国中心的拒收应答未经签名，无法确认 (401 signature_invalid)，记录在本地等待";
      expect(await state(`wrong:${idNumber}`)).to.include({ status: "pending", attempts: 0, lastError: waiting });
      expect(warnings().map((l) => l.msg)).to.not.include("outbox entry parked; it waits until it is retried");
    });

    it("when the hub stops knowing a key it took records under (the operator registered another), then the next records wait and the wait is logged as a warning", async () => {
      const old = generateNodeKey();
      await register("350000", old);
      const client = clientOf(old);
      const { logger, warnings } = recordingLogger();
      const publisher = createPublisher({ conn: db.conn, logger, client: () => client, backoffMs: () => 0, holdMs: { first: 20, max: 40 } });
      const first = aNewIdNumber("350102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber: first, province: "350000" }), `before:${first}`);
      await publisher.drainOnce();
      expect(await state(`before:${first}`)).to.include({ status: "done" });

      await register("350000", generateNodeKey());
      const second = aNewIdNumber("350102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber: second, province: "350000" }), `after:${second}`);
      await publisher.drainOnce();
      expect(await state(`after:${second}`)).to.include({ status: "pending", attempts: 0 });
      expect(warnings().map((l) => l.msg)).to.deep.equal(["receiver stopped taking deliveries from this node's key; holding the queue"]);
    });

    it("when the hub operator suspends the node, then its records wait without using up attempts, the warning names the suspension and not the key, and they arrive once the node is active again", async () => {
      const key = generateNodeKey();
      await register("370000", key);
      const client = clientOf(key);
      const { logger, warnings } = recordingLogger();
      // One attempt would park a record that counted its tries: a suspension may last days.
      const publisher = createPublisher({ conn: db.conn, logger, client: () => client, backoffMs: () => 0, maxAttempts: 1, holdMs: { first: 20, max: 40 } });
      const first = aNewIdNumber("370102");
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber: first, province: "370000" }), `active:${first}`);
      await publisher.drainOnce();
      expect(await state(`active:${first}`)).to.include({ status: "done" });

      const second = aNewIdNumber("370102");
      await suite.hub.registry.setStatus("370000", "suspended");
      try {
        await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber: second, province: "370000" }), `suspended:${second}`);
        for (let i = 0; i < 3; i++) {
          await publisher.drainOnce();
          await sleep(50);
        }
        expect(await state(`suspended:${second}`)).to.include({ status: "pending", attempts: 0 });
        expect(String((await state(`suspended:${second}`))?.lastError)).to.include("node_suspended");
        expect(await hubChangesOf(second)).to.have.length(0);
        const said = warnings().map((l) => l.msg);
        expect(said).to.have.length.at.least(1);
        for (const msg of said) {
          expect(msg).to.match(/suspended this node/);
          expect(msg).to.not.match(/key/);
        }
      } finally {
        await suite.hub.registry.setStatus("370000", "active");
      }
      await sleep(50);
      await publisher.drainOnce();
      expect(await state(`suspended:${second}`)).to.include({ status: "done", attempts: 1 });
      expect((await hubChangesOf(second)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal(["exam_pass:1"]);
    });

    it("when a queue has been held by a suspension for longer than the warning interval, then the warning asks for the node to be reactivated, not for its key to be registered", () => {
      let clock = 0;
      const { logger, warnings } = recordingLogger();
      const pause = createHoldPause({ logger, consumer: "hub", warnAfterMs: 60_000, now: () => clock });
      for (let i = 0; i < 3; i++) {
        pause.held(HOLD_REASONS.suspended("记录"));
        clock += 60_000;
      }
      expect(warnings().map((l) => l.msg)).to.deep.equal([
        "receiver has suspended this node for a long time; ask the hub operator to reactivate it",
        "receiver has suspended this node for a long time; ask the hub operator to reactivate it",
      ]);
    });
  });
});
