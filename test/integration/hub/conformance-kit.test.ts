import { createHash } from "node:crypto";
import { expect } from "chai";
import { canonicalJson } from "../../../scripts/conformance/kit.js";
import { runHubChecks, type CheckResult } from "../../../scripts/conformance/hub-checks.js";
import { isConformanceRecord, type QualificationRecord } from "../../../server/contracts/hub.js";
import { hubModels } from "../../../server/hub/hub.models.js";
import { isKnownDivision } from "../../../server/organisation/index.js";
import { createMessageLog, createNodeClient, type NodeKey } from "../../../server/sharing/index.js";
import { aPortToRestartOn } from "../../helpers/ports.js";
import { aMisbehavingHub, type Rewrite } from "./misbehaving-hub.js";
import { aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * The conformance kit against our hub, and against our hub made to misbehave in one way each (a
 * proxy rewriting one kind of answer, signed with the hub's key): each new check passes a correct
 * hub and fails the hub that breaks its rule, naming why; and whatever happens, the kit leaves
 * none of its test records valid behind it.
 */

const COLLECT = "/api/hub/v1/collection/records";

type Receipt = {
  results: {
    index: number;
    recordId: string | null;
    outcome: string;
    reasons: { code: string }[];
    recordHash: string | null;
  }[];
};

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

describe("conformance kit against a hub that misbehaves", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let key: NodeKey;
  /** The proxy's port, the hub's public address: the kit's requests are signed for the proxy. */
  let proxyPort: number;

  before(async () => {
    proxyPort = await aPortToRestartOn();
    hub = await startTestHub({ PUBLIC_URL: `http://127.0.0.1:${proxyPort}` });
    ({ key } = await aRegisteredProvince(hub, "440000", hub.node.ctx.conn));
  });
  after(async () => {
    await hub.node.stop();
  });

  /** Runs every hub check through a proxy that rewrites what `rewrite` replaces; results by id. */
  async function runVia(rewrite: Rewrite): Promise<Map<string, CheckResult>> {
    const proxy = await aMisbehavingHub(hub, rewrite, proxyPort);
    try {
      const results = await runHubChecks({ hubUrl: proxy.url, provinceCode: "440000", key });
      return new Map(results.map((r) => [r.id, r]));
    } finally {
      await proxy.close();
    }
  }

  /** The ids of the checks that failed, with their reasons. */
  const failures = (results: Map<string, CheckResult>) =>
    [...results.values()].filter((r) => !r.ok).map((r) => `${r.id}: ${r.reason}`);

  /** Every record the kit left at the hub: its last version must be a withdrawal. */
  async function kitRecords() {
    const { Records, Pointers } = hubModels(hub.node.ctx.conn);
    const records = await Records.find({}, { recordId: 1, idNumber: 1, record: 1 }).lean();
    const kit = records.filter((r) => isConformanceRecord(r.record));
    const people = [...new Set(kit.map((r) => r.idNumber))];
    const pointers = await Pointers.find({ idNumber: { $in: people } }).lean();
    return { kit, people, pointers };
  }

  it("when the hub holds more than 1,000 changes of the province before the kit's, then L04 still finds the kit's change", async () => {
    // The province's own software has published 1,001 records before the kit runs.
    const proxy = await aMisbehavingHub(hub, () => undefined, proxyPort);
    try {
      const peer = { ...hub.peer, url: proxy.url };
      const publisher = createNodeClient({ key, peer, log: createMessageLog(hub.node.ctx.conn) });
      for (const size of [500, 500, 1]) {
        const records = Array.from({ length: size }, () =>
          aPassRecord({ province: "440000", idNumber: aNewIdNumber("440102") }),
        );
        const answer = await publisher.call("POST", COLLECT, {
          batchId: `bulk-${size}-${Date.now()}`,
          records,
        });
        expect(answer.status).to.equal(200);
      }
      const results = await runHubChecks({ hubUrl: proxy.url, provinceCode: "440000", key });
      expect(results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.reason}`)).to.deep.equal([]);
      expect(results.map((r) => r.id)).to.include.members([
        "L04",
        "L05",
        "C07",
        "C08",
        "C09",
        "S06",
        "S07",
        "W01",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("when the kit has run, then each record it published is withdrawn, its practitioners hold nothing and their ID numbers name no division", async () => {
    await runVia(() => undefined);
    const { kit, people, pointers } = await kitRecords();
    expect(kit.length).to.be.greaterThan(0);
    for (const r of kit) {
      const record = r.record as QualificationRecord;
      expect([record.operation, record.state], r.recordId).to.deep.equal(["delete", "invalid"]);
    }
    for (const id of people) expect(isKnownDivision(id.slice(0, 6)), id).to.equal(false);
    for (const p of pointers) expect(p.categories, p.idNumber).to.deep.equal([]);
  });

  it("when a check fails on the way (the hub refuses the change feed), then the kit still withdraws every record it published", async () => {
    const results = await runVia((req) =>
      req.path.startsWith("/api/hub/v1/catalog/changes")
        ? { status: 503, body: { error: { code: "unavailable", message: "暂不可用" } } }
        : undefined,
    );
    expect(results.get("L04")?.ok).to.equal(false);
    expect(results.get("W01"), results.get("W01")?.reason).to.include({ ok: true });
    const { kit } = await kitRecords();
    for (const r of kit) expect((r.record as QualificationRecord).operation, r.recordId).to.equal("delete");
  });

  it("when a hub accepts a record whose sourceProvince is not the signing province, then C07 fails", async () => {
    const results = await runVia((req, up) => {
      if (req.path !== COLLECT || !req.body.includes("-prov") || up.status !== 200) return undefined;
      const receipt = json<Receipt>(up.text);
      for (const r of receipt.results)
        Object.assign(r, { outcome: "accepted", reasons: [], hubSeq: 1, recordHash: "a".repeat(64) });
      return { status: 200, body: receipt };
    });
    expect(results.get("C07")?.ok).to.equal(false);
    expect(results.get("C07")?.reason).to.match(/accepted/);
    expect(failures(results).filter((f) => !/^(C07|W01)/.test(f))).to.deep.equal([]);
  });

  it("when a hub rejects a changed record under the same version with another code than version_conflict, then C08 fails naming the code", async () => {
    const results = await runVia((req, up) => {
      if (req.path !== COLLECT || !up.text.includes("version_conflict")) return undefined;
      return {
        status: up.status,
        body: json<Receipt>(up.text.replaceAll("version_conflict", "inconsistent")),
      };
    });
    expect(results.get("C08")?.ok).to.equal(false);
    expect(results.get("C08")?.reason).to.match(/inconsistent/);
    expect(failures(results).filter((f) => !f.startsWith("C08"))).to.deep.equal([]);
  });

  it("when a hub leaves the kit's own lookup out of the province's lookup notices, then L05 fails", async () => {
    const results = await runVia((req, up) => {
      if (!req.path.startsWith("/api/hub/v1/catalog/lookup-notices") || up.status !== 200) return undefined;
      const page = json<{ lookups: { caseReference: string }[] }>(up.text);
      return {
        status: 200,
        body: { ...page, lookups: page.lookups.filter((l) => !l.caseReference.startsWith("CONF-")) },
      };
    });
    expect(results.get("L05")?.ok).to.equal(false);
    expect(results.get("L05")?.reason).to.match(/not among/);
    expect(failures(results).filter((f) => !f.startsWith("L05"))).to.deep.equal([]);
  });

  it("when a hub answers a request whose nonce another signature already used, then S06 fails", async () => {
    const results = await runVia((_req, up) =>
      up.status === 401 && up.text.includes("nonce_reused")
        ? { status: 200, body: { changes: [], nextCursor: 0, hasMore: false } }
        : undefined,
    );
    expect(results.get("S06")?.ok).to.equal(false);
    expect(results.get("S06")?.reason).to.match(/answered 200/);
  });

  it("when a hub carries out a request signed for another hub's address, then S07 fails", async () => {
    const results = await runVia((_req, up) =>
      up.status === 401 && up.text.includes("wrong_audience")
        ? { status: 200, body: { changes: [], nextCursor: 0, hasMore: false } }
        : undefined,
    );
    expect(results.get("S07")?.ok).to.equal(false);
    expect(results.get("S07")?.reason).to.match(/answered 200/);
    expect(failures(results).filter((f) => !f.startsWith("S07"))).to.deep.equal([]);
  });

  it("when a hub refuses with the right status and code but a body outside the contract, then C05, L01 and E04 fail naming the contract", async () => {
    const results = await runVia((_req, up) => {
      if (![400, 413].includes(up.status)) return undefined;
      const code = json<{ error: { code: string } }>(up.text).error.code;
      // No message: the published error body requires one.
      return { status: up.status, body: { error: { code } } };
    });
    for (const id of ["C05", "L01", "E04"]) {
      expect(results.get(id)?.ok, id).to.equal(false);
      expect(results.get(id)?.reason, id).to.match(/breaks the published contract/);
    }
  });

  it("when a hub's inbox page breaks the published contract, then E01 fails naming where", async () => {
    const results = await runVia((req, up) =>
      req.path.startsWith("/api/hub/v1/exchange/inbox") && up.status === 200
        ? { status: 200, body: { ...json<object>(up.text), nextCursor: "0" } }
        : undefined,
    );
    expect(results.get("E01")?.ok).to.equal(false);
    expect(results.get("E01")?.reason).to.match(/published contract at nextCursor/);
  });

  it("when a hub hashes a record as sent instead of as stored (name not normalised), then C09 fails naming the hash; a wrong hash fails C01", async () => {
    const results = await runVia((req, up) => {
      if (req.path !== COLLECT || up.status !== 200) return undefined;
      const sent = json<{ records: unknown[] }>(req.body).records;
      const receipt = json<Receipt>(up.text);
      for (const r of receipt.results) {
        if (r.outcome !== "accepted") continue;
        if (r.recordId?.endsWith("-name"))
          r.recordHash = createHash("sha256").update(canonicalJson(sent[r.index])).digest("hex");
        else if (!r.recordId?.includes("-")) r.recordHash = "0".repeat(64);
      }
      return { status: 200, body: receipt };
    });
    expect(results.get("C09")?.ok).to.equal(false);
    expect(results.get("C09")?.reason).to.match(/recordHash/);
    expect(results.get("C01")?.ok).to.equal(false);
    expect(results.get("C01")?.reason).to.match(/recordHash/);
  });

  it("when a hub's change feed after the kit's cursor does not start with the kit's change, then L04 fails", async () => {
    const results = await runVia((req, up) => {
      if (!req.path.startsWith("/api/hub/v1/catalog/changes") || up.status !== 200) return undefined;
      const page = json<{ changes: unknown[] }>(up.text);
      return { status: 200, body: { ...page, changes: page.changes.slice(1) } };
    });
    expect(results.get("L04")?.ok).to.equal(false);
    expect(results.get("L04")?.reason).to.match(/change/);
  });
});
