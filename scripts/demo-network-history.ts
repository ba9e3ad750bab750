/**
 * The demo network's shared past, made once the hub knows both provinces (after
 * scripts/demo-hub-registration.ts), on the certificates 江苏's past sessions earned
 * (scripts/demo-history.ts issues them; any still pending is issued here); 北京's 朝阳区 officer looks one of those practitioners up with a reason
 * and files them (异地从业备案), which 江苏 acknowledges; sends 江苏 an enforcement notice (违法抄告)
 * about another; and takes a third over by transfer (转籍), issuing its own certificate once 江苏
 * agreed. Everything goes through the nodes' own REST API as the demo accounts, so the
 * signatures, audit entries, the hub's lookup log and its monthly report are the real ones.
 *
 * Idempotent: what is already issued, filed, acknowledged or notified is not done again.
 */
import type { IssuanceDto as Issuance } from "../server/contracts/certificates.js";
import type { CaseDto, CaseListDto } from "../server/contracts/exchange.js";
import type { LookupAnswer } from "../server/contracts/hub.js";
import { operatorSession } from "./demo-hub-registration.js";

interface Login {
  username: string;
  password: string;
}

/** A logged-in demo account at one node: JSON calls with its cookie and CSRF token. */
async function as(url: string, login: Login) {
  const session = await operatorSession(url, login.username, login.password);
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api${path}`, {
      method,
      headers: {
        cookie: session.cookie,
        "x-csrf-token": session.csrfToken,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${login.username} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks `probe` every 500 ms until it returns a value, for at most `seconds`. */
async function eventually<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | null | undefined>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}：${seconds} 秒内未完成`);
    await sleep(500);
  }
}

export async function seedNetworkHistory(
  nodes: { jiangsu: string; beijing: string },
  logins: Map<string, Login>,
): Promise<string> {
  const login = (name: string) => {
    const l = logins.get(name);
    if (!l) throw new Error(`演示账号 ${name} 不存在`);
    return l;
  };
  const js = await as(nodes.jiangsu, login("js_officer"));
  const bj = await as(nodes.beijing, login("bj_officer_county"));
  const bjProvince = await as(nodes.beijing, login("bj_officer_prov"));

  // 江苏's history hook issued what its past sessions earned; an older history's passes reached the
  // certificate feature through the outbox once the node ran, so they may still be pending.
  const pending = await eventually("江苏的待发证记录", 60, async () => {
    const [p, done] = await Promise.all([
      js<{ issuances: Issuance[] }>("GET", "/certificate-issuances?status=pending"),
      js<{ issuances: Issuance[] }>("GET", "/certificate-issuances?status=issued"),
    ]);
    return p.issuances.length || done.issuances.length ? p.issuances : null;
  });
  // A node issues only with a key the hub lists (signing_key_not_at_hub until then): the hub lists
  // 江苏's keys from its registration, or from its first push a moment later.
  for (const i of pending)
    await eventually("全国中心登记江苏的签名密钥", 60, async () => {
      try {
        return await js("POST", `/certificate-issuances/${i.id}/issue`);
      } catch (err) {
        if (/signing_key_not_at_hub/.test(String(err))) return null;
        throw err;
      }
    });
  const issued = (await js<{ issuances: Issuance[] }>("GET", "/certificate-issuances?status=issued"))
    .issuances;
  const [filed, noticed, moved] = [issued[0], issued[1], issued[2]];
  if (!filed || !noticed || !moved) return `江苏已发证 ${issued.length} 本（不足三本，未办跨省业务）`;

  const { cases: out } = await bj<CaseListDto>("GET", "/exchange/cases?box=out&limit=200");
  // The hub knows a practitioner from the pass before it has the certificate (the records travel
  // separately): a filing or transfer needs the certificate there (409 no_certificate otherwise,
  // seen on a first start), a notice only the person.
  const lookup = (p: Issuance, reason: "filing" | "enforcement", caseReference: string, as = bj) =>
    eventually(`全国中心收到 ${p.name} 的证书`, 60, async () => {
      const answer = await as<LookupAnswer>("POST", "/sharing/lookups", {
        query: { by: "id_number", idNumber: p.idNumber },
        reason,
        caseReference,
      });
      const found =
        reason === "enforcement"
          ? answer.matches.length > 0
          : answer.matches.some((m) => m.certificateStatus === "valid");
      return found ? answer.lookupId : null;
    });

  if (!out.some((c) => c.kind === "filing")) {
    const lookupId = await lookup(filed, "filing", "朝阳备〔2026〕3号");
    await bj("POST", "/exchange/filings", {
      lookupId,
      practitioner: { idNumber: filed.idNumber, name: filed.name },
      details: {
        employer: { name: "北京顺达货运有限公司", creditCode: "91110105MA01ABCD1X" },
        startDate: new Date().toISOString().slice(0, 10),
        categoryCode: filed.categoryCode,
        licence: { number: filed.idNumber, class: "A2" },
        contact: { phone: "010-88886666" },
      },
    });
  }
  if (!out.some((c) => c.kind === "notice")) {
    const lookupId = await lookup(noticed, "enforcement", "京交执〔2026〕52号");
    const decidedOn = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    await bj("POST", "/exchange/notices", {
      lookupId,
      practitioner: { idNumber: noticed.idNumber, name: noticed.name },
      details: {
        caseNumber: "京交执罚〔2026〕52号",
        decidedOn,
        legalBasis: "《道路运输从业人员管理规定》第四十六条",
        facts: "驾驶营运车辆连续驾驶超过4小时未停车休息",
        points: 3,
        fineYuan: 200,
        documents: [],
      },
    });
  }

  // 江苏 acknowledges the filing once its in-box has pulled it from the hub.
  const filing = await eventually("江苏收到备案", 60, async () =>
    (await js<CaseListDto>("GET", "/exchange/cases?box=in&kind=filing&limit=200")).cases.find(
      (c) => c.practitioner.idNumber === filed.idNumber,
    ),
  );
  if (!["acknowledged", "problem", "ended"].includes(filing.state))
    await js("POST", `/exchange/cases/${filing.caseId}/answer`, { outcome: "acknowledged" });

  // A transfer (转籍): 北京's provincial officer asks for it, 江苏 agrees (its signed certificate goes
  // with the agreement), 北京 issues its own certificate and 江苏's is superseded.
  let transfer = out.find((c) => c.kind === "transfer");
  if (!transfer) {
    const lookupId = await lookup(moved, "filing", "京转〔2026〕7号", bjProvince);
    transfer = await bjProvince<CaseDto>("POST", "/exchange/transfers", {
      lookupId,
      practitioner: { idNumber: moved.idNumber, name: moved.name },
      details: { reason: "户籍迁入北京市，申请转籍" },
    });
  }
  const caseId = transfer.caseId;
  const atHome = await eventually("江苏收到转籍申请", 60, async () =>
    (await js<CaseListDto>("GET", "/exchange/cases?box=in&kind=transfer&limit=200")).cases.find(
      (c) => c.caseId === caseId,
    ),
  );
  if (atHome.state === "sent" || atHome.state === "delivered")
    await js("POST", `/exchange/cases/${caseId}/answer`, { outcome: "acknowledged" });
  const agreed = await eventually("北京收到江苏的同意", 60, async () => {
    const c = await bjProvince<CaseDto>("GET", `/exchange/cases/${caseId}`);
    return c.state === "acknowledged" || c.issued ? c : null;
  });
  // 北京 issues on 江苏's current status as the hub holds it: 江苏's status list reaches the hub a
  // few seconds after the registration, and the one made since its agreement a moment after the
  // agreement, so a refusal for want of either is tried again.
  if (!agreed.issued)
    await eventually("全国中心收到江苏的证书状态列表", 60, async () => {
      try {
        return await bjProvince("POST", `/certificate-transfers/${caseId}/issue`);
      } catch (err) {
        if (/source_status_(unknown|stale)|signing_key_not_at_hub/.test(String(err))) return null;
        throw err;
      }
    });
  return `江苏已发证 ${issued.length} 本；北京备案 ${filed.name}（江苏已确认），违法抄告 ${noticed.name}，转籍 ${moved.name}（北京已换发）`;
}
