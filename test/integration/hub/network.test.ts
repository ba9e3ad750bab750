import { expect } from "chai";
import { getStatusBits, loadStatusList } from "../../../server/certificates/index.js";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import type { CertificateDto, TrustListBody } from "../../../server/contracts/certificates.js";
import type { LookupAnswer, LookupNoticesPage, StatusListIndexDto } from "../../../server/contracts/hub.js";
import { createMessageLog, createNodeClient, loadOrCreateNodeKey } from "../../../server/sharing/index.js";
import { enqueueEvent } from "../../../server/lib/outbox.js";
import { registerTestCandidate, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { publishResultsOf, recordPassResult } from "../certificates/support.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "./support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

const aProvinceNode = (hub: TestHub, provinceCode: string) => aProvinceOfHub(hub, provinceCode, { CERT_AUTO_ISSUE: "true" });

/** Waits for a condition the nodes reach on their own (outbox, publisher); fails after `tries`. */
async function eventually<T>(probe: () => Promise<T | null | undefined | false>, tries = 150): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached");
}

describe("demo network: hub, 江苏 and 北京, each with its own database", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let bjOfficer: AuthedAgent;
  let jsOfficer: AuthedAgent;

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvinceNode(hub, "320000");
    beijing = await aProvinceNode(hub, "110000");
    bjOfficer = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    jsOfficer = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
  });
  after(async () => {
    await Promise.all([jiangsu?.stop(), beijing?.stop()]);
    await hub?.node.stop();
  });

  /** A pass in 江苏 as grading writes it: the outbox entry in its own transaction; certificates issue it. */
  async function aJiangsuCertificate(): Promise<{ idNumber: string; name: string }> {
    const candidate = await registerTestCandidate(jiangsu);
    const attemptId = `net-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    // Automatic issue waits for the session's results publication: this pass's session is published.
    await publishResultsOf(jiangsu, `net-session-${attemptId}`);
    const pass = {
      attemptId, candidateId: candidate.id, idNumber: candidate.idNumber, name: candidate.name, categoryCode: "01001",
      sessionId: `net-session-${attemptId}`, score: 93, passMark: 80, submittedAt: new Date().toISOString(),
      chainHash: "d4".repeat(32), provinceCode: "320000",
    };
    await recordPassResult(jiangsu, pass);
    await jiangsu.ctx.conn.transaction((session) =>
      enqueueEvent(jiangsu.ctx.conn, session, "exam.passed", pass, `exam.passed:${attemptId}`),
    );
    return { idNumber: candidate.idNumber, name: candidate.name };
  }

  const lookupFromBeijing = (body: object) => bjOfficer.agent.post("/api/sharing/lookups").send(body);
  const hubPointer = (idNumber: string) => hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });

  it("when 江苏 issues a certificate, then a 北京 officer finds it through the hub with its status, and 江苏 sees who looked and why", async () => {
    const { idNumber, name } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");

    const res = await lookupFromBeijing({ query: { by: "certificate_number", certificateNumber: idNumber }, reason: "filing", caseReference: "京备 2026-0042" });
    expect(res.status).to.equal(200);
    const answer = res.body as LookupAnswer;
    expect(answer.matches).to.have.length(1);
    expect(answer.matches[0]).to.include({ idNumber, name, homeProvince: "320000", certificateNumber: idNumber, certificateStatus: "valid" });
    expect(answer.matches[0]?.categories).to.deep.equal(["01001"]);

    const notices = await jsOfficer.agent.get("/api/sharing/lookup-notices").expect(200);
    expect((notices.body as LookupNoticesPage).lookups.find((l) => l.lookupId === answer.lookupId)).to.include({
      requestingProvince: "110000", officerId: bjOfficer.user.id, reason: "filing", caseReference: "京备 2026-0042", idNumber,
      // 江苏 reads who looked by name, not by 北京's account id.
      officerName: bjOfficer.user.displayName,
    });
    const audit = await beijing.ctx.conn.collection("audit_log").findOne({ action: "hub.lookup", "target.id": idNumber });
    expect(audit?.details).to.deep.include({ reason: "filing", caseReference: "京备 2026-0042" });
  });

  it("when a 北京 officer looks up a 江苏 holder for a transfer, then 江苏's node keeps it as a transfer lookup (the hub's notice says filing, with transfer: true)", async () => {
    const { idNumber } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");
    const res = await lookupFromBeijing({ query: { by: "id_number", idNumber }, reason: "transfer", caseReference: "京转 2026-0007" });
    expect(res.status).to.equal(200);
    const answer = res.body as LookupAnswer;
    const notices = await jsOfficer.agent.get("/api/sharing/lookup-notices").expect(200);
    expect((notices.body as LookupNoticesPage).lookups.find((l) => l.lookupId === answer.lookupId)).to.include({
      reason: "filing", transfer: true, caseReference: "京转 2026-0007", idNumber,
    });
  });

  it("when more lookups were made of 江苏's people than a page holds, then 江苏's page starts with the newest and pages back through every one once", async () => {
    const { idNumber } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");
    const ids: string[] = [];
    for (const ref of ["京备 P-1", "京备 P-2", "京备 P-3"]) {
      const res = await lookupFromBeijing({ query: { by: "id_number", idNumber }, reason: "filing", caseReference: ref });
      ids.push((res.body as LookupAnswer).lookupId);
    }
    const seen: string[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const query = before === undefined ? "?limit=2" : `?limit=2&before=${before}`;
      const page = (await jsOfficer.agent.get(`/api/sharing/lookup-notices${query}`).expect(200)).body as LookupNoticesPage;
      seen.push(...page.lookups.map((l) => l.lookupId));
      if (!page.hasMore) break;
      before = page.nextCursor;
    }
    // The newest first (made a moment ago: the first page pulls it from the hub), each once.
    expect(seen[0]).to.equal(ids[2]);
    expect(seen.filter((id) => ids.includes(id))).to.deep.equal([...ids].reverse());
    expect(new Set(seen).size).to.equal(seen.length);
  });

  it("when 江苏 revokes the certificate, then 北京 finds it revoked", async () => {
    const { idNumber } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");
    await jsOfficer.agent.post(`/api/certificates/${idNumber}/revoke`).send({ reason: "伪造从业经历" }).expect(200);
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "revoked");

    const res = await lookupFromBeijing({ query: { by: "id_number", idNumber }, reason: "enforcement", caseReference: "京交执 2026-7" });
    expect((res.body as LookupAnswer).matches[0]).to.include({ certificateStatus: "revoked", homeProvince: "320000" });
  });

  it("when 江苏 revokes a certificate, then the hub serves 江苏's status list, signed by 江苏's registered key, with the certificate revoked and cache headers of its ttl", async () => {
    const { idNumber } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");
    const cert = await jsOfficer.agent.get(`/api/certificates/${idNumber}`).expect(200);
    const statusIndex = (cert.body as { certificate: CertificateDto }).certificate.record.statusIndex;
    await jsOfficer.agent.post(`/api/certificates/${idNumber}/revoke`).send({ reason: "以欺骗手段取得" }).expect(200);

    const trust = await fetch(`${hub.node.url}/api/hub/v1/trust-list`);
    const trustBody = JSON.parse(Buffer.from(((await trust.json()) as { payload: string }).payload, "base64url").toString()) as TrustListBody;
    const revokedAtHub = await eventually(async () => {
      const res = await fetch(`${hub.node.url}/api/hub/v1/status-lists/320000`);
      if (res.status !== 200) return null;
      const loaded = loadStatusList(await res.json(), trustBody.keys);
      return loaded && getStatusBits(loaded.bits, statusIndex) === "revoked" ? { res, loaded } : null;
    });
    expect(revokedAtHub.loaded.body.provinceCode).to.equal("320000");
    expect(revokedAtHub.res.headers.get("cache-control")).to.equal(`public, max-age=${revokedAtHub.loaded.body.ttlMs / 1000}`);
    const index = (await (await fetch(`${hub.node.url}/api/hub/v1/status-lists`)).json()) as StatusListIndexDto;
    expect(index.lists.map((l) => l.provinceCode)).to.include("320000");
  });

  it("when 北京 publishes a status list signed as 江苏's, then the hub refuses it and keeps 江苏's own", async () => {
    const jsList = await (await fetch(`${jiangsu.url}/api/certificates/status-list`)).json();
    const before = await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode: "320000" });
    const bjClient = createNodeClient({ key: loadOrCreateNodeKey(beijing.nodeKeyDir), peer: hub.peer, log: createMessageLog(beijing.ctx.conn) });
    const res = await bjClient.call("POST", "/api/hub/v1/status-lists", jsList);
    expect(res.status).to.equal(422);
    expect((res.body as { error: { code: string } }).error.code).to.equal("unknown_signing_key");
    expect(await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode: "320000" })).to.deep.equal(before);
  });

  it("when a province's first two status lists reach the hub at once, older first, then the hub keeps the newer", async () => {
    const generatedAt = (list: unknown) =>
      (JSON.parse(Buffer.from((list as { payload: string }).payload, "base64url").toString()) as { generatedAt: string }).generatedAt;
    const older = (await (await fetch(`${jiangsu.url}/api/certificates/status-list`)).json()) as unknown;
    const newer = await eventually(async () => {
      const list = (await (await fetch(`${jiangsu.url}/api/certificates/status-list`)).json()) as unknown;
      return generatedAt(list) > generatedAt(older) ? list : null;
    });
    // As if the hub had never held one: both find no list, and both try to store the first.
    await hub.node.ctx.conn.collection("hub_status_lists").deleteOne({ provinceCode: "320000" });
    const jsClient = createNodeClient({ key: loadOrCreateNodeKey(jiangsu.nodeKeyDir), peer: hub.peer, log: createMessageLog(jiangsu.ctx.conn) });
    const answers = await Promise.all([
      jsClient.call("POST", "/api/hub/v1/status-lists", older),
      jsClient.call("POST", "/api/hub/v1/status-lists", newer),
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200]);
    const kept = await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode: "320000" });
    expect(kept?.generatedAt).to.deep.equal(new Date(generatedAt(newer)));
  });

  it("when 江苏 pushes a status list dated ten minutes ahead of the hub's clock, then it is refused status_list_from_future and the held list stays", async () => {
    const held = await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode: "320000" });
    const ahead = createSigningService(jiangsu.ctx.conn, {
      provinceCode: "320000",
      suite: jiangsu.ctx.config.certificates.suite,
      keysDir: jiangsu.ctx.config.certificates.keysDir,
      trustDemo: false,
      peers: [],
      logger: jiangsu.ctx.logger,
      timeZone: jiangsu.ctx.config.timeZone,
      clock: () => new Date(Date.now() + 10 * 60_000),
    });
    const jsClient = createNodeClient({ key: loadOrCreateNodeKey(jiangsu.nodeKeyDir), peer: hub.peer, log: createMessageLog(jiangsu.ctx.conn) });
    const answer = await jsClient.call("POST", "/api/hub/v1/status-lists", await ahead.statusListDocument({ fresh: true }));
    expect(answer.status).to.equal(422);
    expect(answer.error?.code).to.equal("status_list_from_future");
    expect(await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode: "320000" })).to.deep.equal(held);
  });

  it("when a 北京 officer looks up without a reason or case reference, then the node refuses it and asks nothing of the hub", async () => {
    const before = await hub.node.ctx.conn.collection("hub_lookups").countDocuments();
    const noReason = await lookupFromBeijing({ query: { by: "id_number", idNumber: "110101199003070014" }, caseReference: "X-1" });
    expect(noReason.status).to.equal(400);
    const noCase = await lookupFromBeijing({ query: { by: "id_number", idNumber: "110101199003070014" }, reason: "filing", caseReference: "  " });
    expect(noCase.status).to.equal(400);
    expect(await hub.node.ctx.conn.collection("hub_lookups").countDocuments()).to.equal(before);
  });

  it("when an employer check finds a 江苏 certificate, then the identity stays masked", async () => {
    const { idNumber } = await aJiangsuCertificate();
    await eventually(async () => (await hubPointer(idNumber))?.certificateStatus === "valid");
    const res = await lookupFromBeijing({ query: { by: "id_number", idNumber }, reason: "employer_check", caseReference: "招聘 17" });
    const match = (res.body as LookupAnswer).matches[0];
    expect(match?.idNumber).to.not.equal(idNumber);
    expect(match?.idNumber).to.equal(`${idNumber.slice(0, 4)}**********${idNumber.slice(14)}`);
    expect(match?.masked).to.include("name");
  });
});
