import { expect } from "chai";
import { DocumentUploadBody } from "../../../server/contracts/exchange-documents.js";
import {
  CaseListQuery,
  NewFilingBody,
  NewNoticeBody,
  NewTransferBody,
  OfficerAckBody,
  OfficerEndBody,
} from "../../../server/contracts/exchange.js";
import { fieldLabel, type ValidationIssue } from "../../../server/contracts/validation.js";
import { refusalOf } from "../../helpers/refusal.js";

/** Each problem of parsing `value` with `schema`, as the refusal's details list it. */
function issuesOf(schema: { parse: (v: unknown) => unknown }, value: unknown): ValidationIssue[] {
  return refusalOf(() => schema.parse(value)).details as ValidationIssue[];
}

/** Every field of every officer's exchange body, sent wrong: each must be refused. */
const WRONG_BODIES: [string, { parse: (v: unknown) => unknown }, unknown][] = [
  [
    "filing",
    NewFilingBody,
    {
      lookupId: "x",
      practitioner: { idNumber: "1", name: "" },
      details: {
        employer: { name: "", creditCode: "x" },
        startDate: "",
        categoryCode: "x",
        licence: { number: "", class: "x" },
        contact: { phone: "x" },
      },
    },
  ],
  [
    "notice",
    NewNoticeBody,
    {
      lookupId: "x",
      practitioner: { idNumber: "1", name: "" },
      details: {
        caseNumber: "",
        decidedOn: "x",
        legalBasis: "",
        facts: "",
        points: -1,
        fineYuan: -1,
        documents: [{ name: "", mediaType: "x", sha256: "x", bytes: 0 }],
      },
    },
  ],
  [
    "transfer",
    NewTransferBody,
    { lookupId: "x", practitioner: {}, details: { reason: "", newCertificateNumber: "x" } },
  ],
  ["answer", OfficerAckBody, { outcome: "x", problem: { code: "x", note: "" } }],
  ["ending", OfficerEndBody, { endDate: "x", reason: 1 }],
  ["list", CaseListQuery, { box: "x", kind: "x", state: "x", overdue: "x", limit: "x", before: "x" }],
  ["document", DocumentUploadBody, { name: "", dataBase64: 1 }],
];

describe("cross-province forms: every refused field named in Chinese", () => {
  for (const [what, schema, body] of WRONG_BODIES)
    it(`when a ${what} is sent with every field wrong, then each problem names its field in Chinese, never by its key`, () => {
      const issues = issuesOf(schema, body);
      expect(issues.length).to.be.greaterThan(1);
      for (const issue of issues) expect(issue.field, issue.path).to.match(/^[^A-Za-z]+$/);
    });

  it("when a filing names no employer, then the toast's message starts with 用人单位, not the request key", () => {
    const err = refusalOf(() =>
      NewFilingBody.parse({
        lookupId: "00000000-0000-4000-8000-000000000000",
        practitioner: { idNumber: "320102199001011234", name: "周师傅" },
        details: {
          employer: { name: "" },
          startDate: "2026-12-01",
          categoryCode: "02001",
          contact: { phone: "010-88886666" },
          licence: { number: "1", class: "A2" },
        },
      }),
    );
    expect(err.message).to.equal("用人单位名称：不能为空");
  });

  // Chinese words are written together: "用人单位 名称" read as two fields, or as no label the form shows.
  it("when a problem lies in a nested field, then its parts' names are written together as one Chinese word", () => {
    expect(fieldLabel(["details", "employer", "name"])).to.equal("用人单位名称");
    expect(fieldLabel(["details", "licence", "number"])).to.equal("驾驶证号码");
  });

  it("when a problem lies in a list item, then its position is counted from 1 and only its digits are set apart", () => {
    expect(fieldLabel(["details", "documents", 0, "sha256"])).to.equal("处罚文书第 1 项文件摘要");
  });

  it("when a part has no Chinese name, then it is set apart from its neighbours by a space", () => {
    expect(fieldLabel(["details", "employer", "branch"])).to.equal("用人单位 branch");
    expect(fieldLabel(["details", "branch", "name"])).to.equal("branch 名称");
  });

  it("when a date is blank or no calendar date, then it says so in plain Chinese, not 无效ISO日期", () => {
    const dateOf = (endDate: unknown) => issuesOf(OfficerEndBody, { endDate, reason: "离职" })[0]?.message;
    expect(dateOf("")).to.equal("不能为空");
    expect(dateOf(undefined)).to.equal("不能为空");
    expect(dateOf("2026-02-30")).to.equal("须为日期（如 2026-12-01）");
    expect(dateOf("12/01/2026")).to.equal("须为日期（如 2026-12-01）");
  });
});
