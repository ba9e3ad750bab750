import { expect } from "chai";
import { reconnectingTitle } from "../../../client/src/app/connection-words.js";
import {
  SEAT_STATE_LABELS,
  SEAT_STATE_TAGS,
  handInRule,
} from "../../../client/src/features/proctor/seat-labels.js";

describe("connection banner and proctor console wording", () => {
  it("when a candidate's page is reconnecting, then the banner says the answers are held on this computer and promises nothing more", () => {
    const title = reconnectingTitle("candidate", 2);
    expect(title)
      .to.contain("（第 2 次）")
      .and.contain("作答已暂存本机，恢复连接后自动保存；请勿关闭或刷新本页面。");
    expect(title).to.not.contain("不会丢失");
  });

  it("when the browser refused to store the candidate's answers, then the banner says they are not saved and live only in this page", () => {
    const title = reconnectingTitle("candidate", 1, false);
    expect(title).to.contain("作答尚未保存，只在本页").and.not.contain("暂存本机");
  });

  it("when a staff page is reconnecting, then the banner speaks of page data, not of answers", () => {
    const title = reconnectingTitle("staff", 0);
    expect(title).to.equal("与服务器的连接已中断，正在重新连接……页面数据可能不是最新。");
    expect(title).to.not.contain("作答");
  });

  it("when the earliest hand-in is 0 minutes, then the rule reads 开考后即可交卷, otherwise it names the minutes", () => {
    expect(handInRule(0)).to.equal("开考后即可交卷");
    expect(handInRule(30)).to.equal("开考 30 分钟后可交卷");
  });

  it("when a seat is answering, then its tag is the legend's blue (primary), not the green of 已交卷", () => {
    expect(SEAT_STATE_TAGS.in_progress).to.equal("primary");
    expect(SEAT_STATE_LABELS.disconnected).to.equal("连接中断");
  });
});
