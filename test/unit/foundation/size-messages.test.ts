import { expect } from "chai";
import { z } from "zod";
import { fieldLabel, useChineseValidationMessages } from "../../../server/contracts/validation.js";

/** The message the one issue of parsing `value` carries. */
function messageOf(schema: z.ZodType, value: unknown): string | undefined {
  return schema.safeParse(value).error?.issues[0]?.message;
}

describe("validation messages people read", () => {
  before(() => useChineseValidationMessages());

  it("when a required text is blank, too short or too long, then the message says so in Chinese without the schema's type names", () => {
    expect(messageOf(z.string().trim().min(1), "   ")).to.equal("不能为空");
    expect(messageOf(z.string().min(5), "ab")).to.equal("至少 5 个字符");
    expect(messageOf(z.string().max(3), "abcd")).to.equal("不能超过 3 个字符");
    for (const value of ["", "ab", "abcdef"])
      expect(messageOf(z.string().min(3).max(5), value)).not.to.match(/string|数值过/);
  });

  it("when a list or a number is out of its bounds, then the bound is named in words", () => {
    expect(messageOf(z.array(z.string()).min(1), [])).to.equal("至少选择 1 项");
    expect(messageOf(z.array(z.string()).max(2), ["a", "b", "c"])).to.equal("最多 2 项");
    expect(messageOf(z.number().min(1), 0)).to.equal("不能小于 1");
    expect(messageOf(z.int().max(5), 9)).to.equal("不能大于 5");
    expect(messageOf(z.number().positive(), 0)).to.equal("须大于 0");
  });

  it("when a schema words its own message, or the problem is not a size, then that message stands", () => {
    expect(messageOf(z.string().min(1, "请填写转籍原因"), "")).to.equal("请填写转籍原因");
    // Other problems keep zod's own zh-CN wording.
    expect(messageOf(z.email(), "x")).to.equal("无效电子邮件");
  });

  it("when a problem lies inside a case's details, then the field is named by itself, not as details", () => {
    expect(fieldLabel(["details", "reason"])).to.equal("原因");
    expect(fieldLabel(["details", "licence", "number"])).not.to.include("details");
  });
});
