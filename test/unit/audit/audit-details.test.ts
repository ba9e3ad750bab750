import { expect } from "chai";
import { CATEGORIES, type CategoryCode } from "../../../server/contracts/categories.js";
import {
  AUDIT_ACTION_LABELS,
  auditActionLabel,
  auditDetailLines,
  divisionCodesIn,
} from "../../../server/contracts/audit.js";

const options = {
  formatInstant: (iso: string) =>
    new Intl.DateTimeFormat("zh-CN", {
      dateStyle: "medium",
      timeStyle: "short",
      hourCycle: "h23",
      timeZone: "Asia/Shanghai",
    }).format(new Date(iso)),
  categoryName: (code: string) => CATEGORIES[code as CategoryCode],
};

describe("audit details as people read them", () => {
  it("when a session's creation is shown, then the category, centre, room and start read as names and local time", () => {
    const lines = auditDetailLines(
      {
        categoryCode: "01001",
        testCentreName: "南京市从业资格考试中心",
        roomName: "第一考场",
        roomId: "64f0c0ffee",
        startsAt: "2026-12-01T01:00:00.000Z",
        durationMinutes: 30,
      },
      options,
    );
    expect(lines).to.deep.equal([
      { label: "类别", value: "经营性道路旅客运输驾驶员" },
      { label: "考点", value: "南京市从业资格考试中心" },
      { label: "考场", value: "第一考场" },
      { label: "开考时间", value: "2026年12月1日 09:00" },
      { label: "时长（分钟）", value: "30" },
    ]);
  });

  it("when an entry names the candidate, then the candidate's id is left out; flags read 是/否 and unknown fields keep their code", () => {
    const lines = auditDetailLines(
      {
        candidateName: "张三",
        candidateId: "c1",
        seatNo: 3,
        whole: false,
        categories: ["01001", "02001"],
        custom: "x",
      },
      options,
    );
    expect(lines).to.deep.equal([
      { label: "考生", value: "张三" },
      { label: "座位号", value: "3" },
      { label: "全场", value: "否" },
      { label: "类别", value: "经营性道路旅客运输驾驶员、经营性道路货物运输驾驶员" },
      { label: "custom", value: "x" },
    ]);
  });
});

describe("audit entries named for people, not by code", () => {
  const divisionName = (code: string) =>
    ({ "110000": "北京市", "320000": "江苏省", "320100": "南京市" })[code];

  it("when a certificate's status change is shown, then both statuses read as their names", () => {
    const lines = auditDetailLines({ from: "valid", to: "cancelled", reason: "death", version: 2 }, options);
    expect(lines).to.deep.equal([
      { label: "原状态", value: "有效" },
      { label: "新状态", value: "注销" },
      { label: "理由", value: "持证人死亡" },
      { label: "版本", value: "2" },
    ]);
  });

  it("when a transfer's new certificate is shown, then the way it was issued and the source province read as names", () => {
    const lines = auditDetailLines(
      { kind: "transfer", fromProvince: "320000", kid: "k1" },
      { ...options, divisionName },
    );
    expect(lines).to.deep.equal([
      { label: "发证方式", value: "转籍换发" },
      { label: "原发证省份", value: "江苏省" },
      { label: "签名密钥", value: "k1" },
    ]);
  });

  it("when a national lookup or a refused login is shown, then the way, the reason and the refusal read in Chinese", () => {
    expect(
      auditDetailLines({ by: "name_id_number", reason: "enforcement", caseReference: "苏执2026-1" }, options),
    ).to.deep.equal([
      { label: "查询方式", value: "姓名 + 身份证号" },
      { label: "理由", value: "执法检查" },
      { label: "案卷编号", value: "苏执2026-1" },
    ]);
    expect(auditDetailLines({ loginName: "nobody", reason: "invalid_credentials" }, options)).to.deep.equal([
      { label: "登录名", value: "nobody" },
      { label: "理由", value: "账号或口令错误" },
    ]);
  });

  it("when a user's roles and division change, then each change reads from → to in names", () => {
    const lines = auditDetailLines(
      {
        divisionCode: { from: "320000", to: "320100" },
        roles: { from: ["officer"], to: ["officer", "admin"] },
      },
      { ...options, divisionName },
    );
    expect(lines).to.deep.equal([
      { label: "行政区划", value: "江苏省 → 南京市" },
      { label: "角色", value: "运管业务员 → 运管业务员、系统管理员" },
    ]);
  });

  it("when a candidate's correction is shown, then the changed fields and their old values read by name", () => {
    const divisions = (code: string) => ({ "320102": "玄武区", "320104": "秦淮区" })[code];
    const lines = auditDetailLines(
      {
        candidateName: "张三",
        changed: ["phone", "addressDivisionCode"],
        phoneBefore: "13900000000",
        phone: "13911111111",
        addressDivisionCodeBefore: "320102",
        addressDivisionCode: "320104",
      },
      { ...options, divisionName: divisions },
    );
    expect(lines).to.deep.equal([
      { label: "考生", value: "张三" },
      { label: "修改项", value: "电话、户籍或居住地" },
      { label: "电话（修改前）", value: "13900000000" },
      { label: "电话", value: "13911111111" },
      { label: "户籍或居住地（修改前）", value: "玄武区" },
      { label: "户籍或居住地", value: "秦淮区" },
    ]);
    expect(
      divisionCodesIn({ addressDivisionCodeBefore: "320102", addressDivisionCode: "320104", phone: "139" }),
      "the codes the server names for the page",
    ).to.deep.equal(["320102", "320104"]);
  });

  it("when a field or a free-text value is a name an object inherits (constructor, toString), then it is shown as written", () => {
    const lines = auditDetailLines(
      { reason: "constructor", toString: "x", changed: ["__proto__", "phone"] },
      options,
    );
    expect(lines).to.deep.equal([
      { label: "理由", value: "constructor" },
      { label: "toString", value: "x" },
      { label: "修改项", value: "__proto__、电话" },
    ]);
    expect(auditActionLabel("constructor")).to.equal("constructor");
  });

  it("when the actions are listed for the audit filter, then each has its own Chinese name", () => {
    const labels = Object.values(AUDIT_ACTION_LABELS) as string[];
    for (const [action, label] of Object.entries(AUDIT_ACTION_LABELS)) {
      expect(label, action).to.match(/\p{Script=Han}/u);
      expect(label, action).to.not.match(/[A-Za-z_]/);
    }
    expect(new Set(labels).size).to.equal(labels.length);
  });
});
