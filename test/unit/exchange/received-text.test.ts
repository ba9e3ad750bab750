import { expect } from "chai";
import { CaseBody, InboxPage, NewNoticeBody } from "../../../server/contracts/exchange.js";

/**
 * The hub refuses free text with invisible characters from every province now; messages it took
 * before still wait in provinces' inboxes. Refused there, one such message stopped the province's
 * whole inbox (a page either applies or not), so the inbox takes them, with the characters removed:
 * the province's officers read what a person can see. Line breaks stay, as typed in a text area.
 */
describe("exchange contracts: free text received from the hub", () => {
  const notice = (facts: string) => ({
    caseId: "0b5c2f0e-7d1c-4d7e-9a55-1f0f5f3a9c11",
    kind: "notice" as const,
    practitioner: { idNumber: "320102198503150019", name: "王备案" },
    officer: { id: "bj-officer-1", name: "北京市业务员", divisionCode: "110100" },
    details: {
      caseNumber: "京交执罚〔2026〕118号",
      decidedOn: "2026-11-20",
      legalBasis: "第四十六条",
      facts,
      points: 3,
    },
  });
  const page = (facts: string) => ({
    messages: [
      {
        seq: 1,
        messageId: "6a0d3c57-3a52-4c2e-9a4f-2b8e1f6f0d21",
        type: "case",
        at: "2026-11-21T08:00:00.000Z",
        caseId: "0b5c2f0e-7d1c-4d7e-9a55-1f0f5f3a9c11",
        kind: "notice",
        fromProvince: "110000",
        toProvince: "320000",
        state: "sent",
        responsibleDivision: "320100",
        deadlineAt: "2026-12-21T08:00:00.000Z",
        overdue: false,
        body: notice(facts),
        ack: null,
        end: null,
      },
    ],
    nextCursor: 1,
    hasMore: false,
  });

  it("when a message the hub took before carries a bidirectional control in its facts, then the inbox takes it with the control removed and the line breaks kept", () => {
    const parsed = InboxPage.parse(page("一、超时\u202e驾驶；\r\n二、未\u200b休息"));
    const body = parsed.messages[0]?.body;
    expect(body?.kind === "notice" && body.details.facts).to.equal("一、超时驾驶；\r\n二、未休息");
  });

  it("when the same facts are sent to the hub or typed by an officer, then they are refused naming the field", () => {
    const sent = CaseBody.safeParse(notice("超时\u202e驾驶"));
    expect(sent.success).to.equal(false);
    expect(sent.error?.issues.map((i) => [i.path.join("."), i.message])).to.deep.equal([
      ["details.facts", "违法事实含不可见字符（零宽字符、方向控制符等），请删除后重新输入"],
    ]);
    const { caseId: _id, kind: _kind, officer: _officer, ...typed } = notice("超时\u200b驾驶");
    expect(NewNoticeBody.safeParse(typed).success).to.equal(false);
  });

  // Cleaned to nothing, a name used to be refused as too short (a practitioner's) or kept empty (an
  // officer's): the refusal stopped the inbox for good, and an empty name reads as no one.
  it("when a held message's practitioner and officer names are made only of invisible characters, then the inbox takes it with each name marked unreadable", () => {
    const held = page("超时驾驶");
    const message = held.messages[0];
    if (!message) throw new Error("the page has a message");
    message.body.practitioner.name = "\u200b\u2066\u2069";
    message.body.officer.name = " \u202e ";
    const parsed = InboxPage.safeParse(held);
    expect(parsed.success, parsed.error?.message).to.equal(true);
    const body = parsed.data?.messages[0]?.body;
    expect(body?.practitioner.name).to.equal("（无法识别）");
    expect(body?.officer.name).to.equal("（无法识别）");
    expect(body?.practitioner.idNumber).to.equal("320102198503150019");
  });

  it("when an officer types a practitioner name that is only invisible characters, then it is still refused", () => {
    const { caseId: _id, kind: _kind, officer: _officer, ...typed } = notice("超时驾驶");
    const parsed = NewNoticeBody.safeParse({
      ...typed,
      practitioner: { ...typed.practitioner, name: "\u200b" },
    });
    expect(parsed.success).to.equal(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).to.deep.equal(["practitioner.name"]);
  });
});
