import { expect } from "chai";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { LegacyPublishDto, LookupAnswer } from "../../../server/contracts/hub.js";
import { staffAgent, type AuthedAgent, type CandidateOptions } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { aPass } from "../certificates/support.js";
import { aNewIdNumber, anOutboxEvent, aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * A holder of a certificate issued by `home` (a node with CERT_AUTO_ISSUE) from a pass in
 * `categoryCode`; resolves once the hub's pointer shows it valid.
 */
export async function aCertificateHolder(
  hub: TestHub,
  home: Node,
  categoryCode = "02001",
  candidate: CandidateOptions = {},
): Promise<{ idNumber: string; name: string }> {
  const pass = await aPass(home, categoryCode, { candidate });
  await anOutboxEvent(home.ctx.conn, "exam.passed", pass, `exam.passed:${pass.attemptId}`);
  await eventually(
    async () =>
      (await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: pass.idNumber }))
        ?.certificateStatus === "valid",
  );
  return { idNumber: pass.idNumber, name: pass.name };
}

/**
 * `to`'s officer looks the holder up and asks for the transfer; resolves with the case id once
 * `home` has received it (not yet answered).
 */
export async function aTransferAskedOf(
  home: AuthedAgent,
  to: AuthedAgent,
  p: { idNumber: string; name: string },
): Promise<string> {
  const found = await to.agent
    .post("/api/sharing/lookups")
    .send({
      query: { by: "id_number", idNumber: p.idNumber },
      reason: "filing",
      caseReference: "京转 2026-7",
    })
    .expect(200);
  const sent = await to.agent
    .post("/api/exchange/transfers")
    .send({
      lookupId: (found.body as LookupAnswer).lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
  expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
  const caseId = (sent.body as CaseDto).caseId;
  await eventually(async () => (await home.agent.get(`/api/exchange/cases/${caseId}`)).status === 200);
  return caseId;
}

/**
 * Resolves with the time the hub's copy of `provinceCode`'s status list was made, once it was made
 * no earlier than `since`.
 */
export async function aHubStatusListSince(hub: TestHub, provinceCode: string, since: string): Promise<Date> {
  return eventually(async () => {
    const list = await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode });
    const made = list?.generatedAt as Date | undefined;
    return made && made.getTime() >= Date.parse(since) ? made : null;
  });
}

/**
 * `to`'s officer looks the holder up and asks for the transfer, `home`'s officer agrees; resolves
 * with the case id once `to` has the agreement and, with `hub`, once the hub holds the home's
 * status list made since the agreement (the home pushes it then), which issuance on the transfer
 * requires.
 */
export async function anAgreedTransfer(
  home: AuthedAgent,
  to: AuthedAgent,
  p: { idNumber: string; name: string },
  hub?: TestHub,
): Promise<string> {
  const caseId = await aTransferAskedOf(home, to, p);
  await home.agent.post(`/api/exchange/cases/${caseId}/answer`).send({ outcome: "acknowledged" }).expect(200);
  const agreed = await eventually(async () => {
    const c = (await to.agent.get(`/api/exchange/cases/${caseId}`)).body as CaseDto;
    return c.state === "acknowledged" ? c : null;
  });
  if (hub && agreed.ack) await aHubStatusListSince(hub, agreed.toProvince, agreed.ack.at);
  return caseId;
}

/**
 * A holder from `home`'s old register (南京, 02001 unless `categoryCode`, valid to 2030-02-28), published to the hub by
 * `home`'s officer through the legacy register route: the hub holds the record, the node no
 * certificate. With `idNumber`, the same row is published again. Resolves with the publish result.
 */
export async function aLegacyRegisterHolder(
  home: AuthedAgent,
  {
    name = "李历史",
    idNumber = aNewIdNumber("320102"),
    categoryCode = "02001",
  }: { name?: string; idNumber?: string; categoryCode?: string } = {},
): Promise<{ idNumber: string; name: string; published: LegacyPublishDto }> {
  const register = [
    "姓名,身份证号,从业资格类别,证号,发证机关,发证机关代码,初领日期,发证日期,有效期起,有效期至,状态",
    [
      name,
      idNumber,
      categoryCode,
      idNumber,
      "南京市道路运输管理机构",
      "320100",
      "2015-03-01",
      "2021-03-01",
      "2021-03-01",
      "2030-02-28",
      "有效",
    ].join(","),
  ].join("\r\n");
  const res = await home.agent
    .post("/api/sharing/legacy-register/publish")
    .send({ fileName: "register.csv", dataBase64: Buffer.from(register, "utf8").toString("base64") })
    .expect(200);
  return { idNumber, name, published: res.body as LegacyPublishDto };
}

/** The network transfers run on: a hub, 江苏 and 北京 (automatic issue, quick polling), an officer of each. */
export interface TwoProvinces {
  hub: TestHub;
  jiangsu: Awaited<ReturnType<typeof aProvinceOfHub>>;
  beijing: Awaited<ReturnType<typeof aProvinceOfHub>>;
  js: AuthedAgent;
  bj: AuthedAgent;
  stop(): Promise<void>;
}

/** Starts `TwoProvinces` (a `before` hook's work; its `stop` is the `after` hook's). */
export async function twoProvincesOfHub(): Promise<TwoProvinces> {
  const hub = await startTestHub();
  const env = { CERT_AUTO_ISSUE: "true", EXCHANGE_POLL_MS: "100" };
  const jiangsu = await aProvinceOfHub(hub, "320000", env);
  const beijing = await aProvinceOfHub(hub, "110000", env);
  return {
    hub,
    jiangsu,
    beijing,
    js: await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" }),
    bj: await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" }),
    async stop() {
      await Promise.all([jiangsu.stop(), beijing.stop()]);
      await hub.node.stop();
    },
  };
}

/**
 * The `before`/`after` pair every transfer suite needs: starts `TwoProvinces` once for the suite
 * (three whole nodes take longer than a test's timeout) and hands it to `use`, which keeps the
 * parts under the names the suite's tests read; stops it after the suite. The network is also
 * returned, its parts readable inside tests (`net.hub`, `net.js`).
 */
export function useTwoProvinces(use?: (net: TwoProvinces) => void): Omit<TwoProvinces, "stop"> {
  let net: TwoProvinces | undefined;
  before(async function () {
    this.timeout(180_000);
    net = await twoProvincesOfHub();
    use?.(net);
  });
  after(async () => net?.stop());
  const started = (): TwoProvinces => {
    if (!net) throw new Error("useTwoProvinces: the network is only available inside tests");
    return net;
  };
  return {
    get hub() {
      return started().hub;
    },
    get jiangsu() {
      return started().jiangsu;
    },
    get beijing() {
      return started().beijing;
    },
    get js() {
      return started().js;
    },
    get bj() {
      return started().bj;
    },
  };
}

/** A node's stored certificate of that number (in these suites, the holder's id number). */
export const certificateAt = (node: Awaited<ReturnType<typeof aProvinceOfHub>>, certificateNo: string) =>
  node.ctx.conn.collection("certificates").findOne({ certificateNo });

/** A case as `officer`'s node shows it to them (GET /api/exchange/cases/:caseId). */
export const caseAt = async (officer: AuthedAgent, caseId: string) =>
  (await officer.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;
