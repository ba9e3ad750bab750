import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CleaningReport, LegacyPublishDto } from "../../../server/contracts/hub.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createLegacyImportService } from "../../../server/sharing/legacy-import.service.js";
import { staffAgent } from "../../helpers/auth.js";
import { aNewIdNumber, aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

const HEADER =
  "姓名,身份证号,从业资格类别,证号,发证机关,发证机关代码,初领日期,发证日期,有效期起,有效期至,状态";
/** A clean register row of a holder whose certificate the office of `division` issued. */
const row = (idNumber: string, division: string, authority: string) =>
  [
    "钱存量",
    idNumber,
    "02001",
    idNumber,
    authority,
    division,
    "2015-03-01",
    "2021-03-01",
    "2021-03-01",
    "2030-02-28",
    "有效",
  ].join(",");
const upload = (lines: string[]) => ({
  fileName: "register.csv",
  dataBase64: Buffer.from([HEADER, ...lines].join("\r\n"), "utf8").toString("base64"),
});

/**
 * The legacy register (存量数据清洗) names holders of every city of the province, and the hub keeps
 * what it is sent for good (version 1: the home province's own later records are then stale). So
 * checking and publishing it is the province level's (`sharing:register`): a city or county
 * account, whatever its role, is refused before anything is read or sent.
 */
describe("sharing: the legacy register is the province level's", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let jiangsu: Node;
  const hubRecords = (recordId: string) =>
    hub.node.ctx.conn.collection("hub_records").countDocuments({ recordId });
  const published = () =>
    jiangsu.ctx.conn.collection("audit_log").countDocuments({ action: "hub.legacy_register_published" });

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000");
  });
  after(async () => {
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  it("when a city officer or city admin checks or publishes a register naming another city's holders, then each is refused province_level_only and nothing reaches the hub", async () => {
    const suzhou = aNewIdNumber("320508");
    const file = upload([row(suzhou, "320500", "苏州市道路运输管理机构")]);
    const before = await published();
    for (const roles of [["officer"], ["admin"]] as const) {
      const city = await staffAgent(jiangsu, { roles: [...roles], divisionCode: "320100" });
      for (const step of ["check", "publish"]) {
        const res = await city.agent.post(`/api/sharing/legacy-register/${step}`).send(file);
        expect(res.status, `${roles[0]} ${step}`).to.equal(403);
        const { error } = res.body as { error: { code: string; message: string } };
        expect(error.code).to.equal("province_level_only");
        expect(error.message).to.match(/省级/);
      }
    }
    expect(await hubRecords(`legacy:${suzhou}`)).to.equal(0);
    expect(await published()).to.equal(before);
  });

  it("when the province officer publishes the province's register, then every city's holders reach the hub", async () => {
    const nanjing = aNewIdNumber("320102");
    const suzhou = aNewIdNumber("320508");
    const province = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
    const res = await province.agent
      .post("/api/sharing/legacy-register/publish")
      .send(
        upload([
          row(nanjing, "320100", "南京市道路运输管理机构"),
          row(suzhou, "320500", "苏州市道路运输管理机构"),
        ]),
      )
      .expect(200);
    expect(res.body as LegacyPublishDto).to.deep.include({ rows: 2, accepted: 2, rejected: [] });
    expect(await hubRecords(`legacy:${nanjing}`)).to.equal(1);
    expect(await hubRecords(`legacy:${suzhou}`)).to.equal(1);
  });

  it("when the import service is asked by an account of one city (a caller past the route), then rows another office issued are refused and the register is not clean", async () => {
    const legacy = createLegacyImportService({
      provinceCode: "320000",
      client: () => null,
      audit: { record: () => Promise.resolve() },
      logger: createLogger({ level: "silent" }),
    });
    const cityOfficer: AuthUser = {
      id: "officer-nj",
      kind: "staff",
      roles: ["officer"],
      displayName: "南京业务员",
      divisionCode: "320100",
      provinceCode: "320000",
    };
    const report: CleaningReport = await legacy.check(
      cityOfficer,
      upload([
        row(aNewIdNumber("320102"), "320100", "南京市道路运输管理机构"),
        row(aNewIdNumber("320508"), "320500", "苏州市道路运输管理机构"),
      ]),
    );
    expect(report).to.include({ rows: 2, clean: 1 });
    expect(report.refused.map((r) => [r.line, r.reasons.map((x) => x.code)])).to.deep.equal([
      [3, ["division_out_of_scope"]],
    ]);
    const refused = await legacy
      .publish(cityOfficer, upload([row(aNewIdNumber("320508"), "320500", "苏州")]))
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).to.have.property("code", "register_not_clean");
  });
});
