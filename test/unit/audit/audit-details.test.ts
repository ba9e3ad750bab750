import { expect } from "chai";
import { CATEGORIES, type CategoryCode } from "../../../server/contracts/categories.js";
import { auditDetailLines } from "../../../server/contracts/audit.js";

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
