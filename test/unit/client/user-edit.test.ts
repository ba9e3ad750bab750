import { expect } from "chai";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import {
  grantText,
  isStaleEdit,
  userEditBody,
  type UserEditForm,
} from "../../../client/src/features/admin/user-edit.js";

describe("the users page's edit: only what the admin changed, with the version it was made on", () => {
  const user: StaffUserDto = {
    id: "64b000000000000000000001",
    username: "zhang",
    displayName: "张三",
    roles: ["proctor", "officer"],
    divisionCode: "320100",
    testCentreId: "64b0000000000000000000c1",
    active: true,
    mustChangePassword: false,
    passwordUsable: true,
    lockedUntil: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    version: 4,
    pendingGrant: null,
  };
  const opened = (): UserEditForm => ({
    displayName: user.displayName,
    password: "",
    roles: [...user.roles],
    divisionCode: user.divisionCode,
    testCentreId: user.testCentreId ?? "",
  });

  it("when only the name is changed, then only the name is sent, with the version", () => {
    expect(userEditBody(user, { ...opened(), displayName: "张三丰" })).to.deep.equal({
      displayName: "张三丰",
      expectedVersion: 4,
    });
  });

  it("when the roles are picked again in another order, then nothing is sent", () => {
    expect(userEditBody(user, { ...opened(), roles: ["officer", "proctor"] })).to.equal(null);
  });

  it("when the proctor role is removed, then the roles and the cleared centre are sent", () => {
    expect(userEditBody(user, { ...opened(), roles: ["officer"] })).to.deep.equal({
      roles: ["officer"],
      testCentreId: null,
      expectedVersion: 4,
    });
  });

  it("when only a new password is typed, then the password is sent with the version", () => {
    expect(userEditBody(user, { ...opened(), password: "Neues-Passw0rd-1" })).to.deep.equal({
      password: "Neues-Passw0rd-1",
      expectedVersion: 4,
    });
  });

  it("when a save is refused with account_changed, then it reads as a stale edit, and other refusals do not", () => {
    expect([
      isStaleEdit({ code: "account_changed" }),
      isStaleEdit({ code: "peer_admin_account" }),
      isStaleEdit(null),
    ]).to.deep.equal([true, false, false]);
  });
});

describe("the users page's words for a grant waiting for a second admin", () => {
  const grant = {
    requestedBy: "64b000000000000000000002",
    requestedByName: "李四",
    requesterDivision: "320000",
    requestedAt: "2026-01-01T00:00:00.000Z",
    endsPassword: false,
    restoresPassword: false,
    compromised: false,
    reEnables: false,
  };

  it("when a new account, added roles or a reset wait, then each is named", () => {
    expect([
      grantText({ ...grant, kind: "account", roles: ["reviewer"], passwordReset: false }),
      grantText({ ...grant, kind: "roles", roles: ["officer", "admin"], passwordReset: false }),
      grantText({ ...grant, kind: "password", roles: [], passwordReset: true }),
    ]).to.deep.equal(["新账号（角色：审题员）", "角色 运管业务员、系统管理员", "重置的密码"]);
  });
});
