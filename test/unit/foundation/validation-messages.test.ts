import { expect } from "chai";
import { CreateUserBody } from "../../../server/contracts/staff-accounts.js";
import { CreateRoomBody } from "../../../server/contracts/organisation.js";
import type { ValidationIssue } from "../../../server/contracts/validation.js";
import { refusalOf } from "../../helpers/refusal.js";

describe("validation messages name the field and say what is wrong, in Chinese", () => {
  it("when a username is too short, then the message names 用户名 and says what is wrong in Chinese, not English", () => {
    const err = refusalOf(() =>
      CreateUserBody.parse({
        username: "ab",
        displayName: "张三",
        password: "Long-enough-1",
        roles: ["officer"],
        divisionCode: "320000",
      }),
    );
    expect(err.code).to.equal("validation_failed");
    expect(err.status).to.equal(400);
    expect(err.message).to.match(/^用户名：/);
    expect(err.message).to.not.match(/Too small|expected|Invalid/);
    const details = err.details as ValidationIssue[];
    expect(details[0]).to.include({ path: "username", field: "用户名", code: "too_small" });
    expect(details[0]?.message).to.match(/[\u4e00-\u9fff]/);
  });

  it("when several fields are wrong, then every one is listed with its Chinese name and the message counts the rest", () => {
    const err = refusalOf(() => CreateRoomBody.parse({ name: "", seatCount: "many" }));
    const details = err.details as ValidationIssue[];
    expect(details.map((d) => d.field)).to.include.members(["名称", "座位数"]);
    expect(err.message).to.match(/另有 1 处问题/);
  });

  it("when a list entry is wrong, then its position is counted from 1", () => {
    const err = refusalOf(() =>
      CreateUserBody.parse({
        username: "abc",
        displayName: "张三",
        password: "Long-enough-1",
        roles: ["officer", "king"],
        divisionCode: "320000",
      }),
    );
    expect((err.details as ValidationIssue[])[0]).to.include({ path: "roles.1", field: "角色第 2 项" });
  });

  it("when a body carries a 10,000-character unknown key and fifty bad fields, then the answer stays within ErrorBody's bounds", async () => {
    const { ErrorBody } = await import("../../../server/contracts/errors.js");
    const { z } = await import("zod");
    const many = z
      .object(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, z.string().max(5)])))
      .strict();
    const body = {
      ["k".repeat(10_000)]: 1,
      ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 7])),
    };
    const err = refusalOf(() => many.parse(body));
    expect(ErrorBody.safeParse(err.toBody()).success).to.equal(true);
    const details = err.details as ValidationIssue[];
    expect(details.length).to.be.at.most(20);
    expect(details.every((d) => d.message.length <= 300 && d.path.length <= 200)).to.equal(true);
    expect(err.message).to.match(/另有 50 处问题/);
  });
});
