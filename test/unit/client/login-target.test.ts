import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { pageAfterLogin, safeRedirect } from "../../../client/src/features/auth/login-target.js";

const officer: AuthUser = {
  id: "u1",
  kind: "staff",
  roles: ["officer"],
  displayName: "王",
  divisionCode: "320100",
  provinceCode: "320000",
};

describe("where a staff login lands (client)", () => {
  it("when the password was set by an admin, then the login lands on the password page, which then goes on to the page asked for", () => {
    expect(pageAfterLogin({ ...officer, mustChangePassword: true }, "/scheduling/sessions")).to.deep.equal({
      name: "auth-password",
      query: { redirect: "/scheduling/sessions" },
    });
    expect(pageAfterLogin({ ...officer, mustChangePassword: true }, "/")).to.deep.equal({
      name: "auth-password",
    });
  });

  it("when the password is the owner's own, then the login lands on the page asked for", () => {
    expect(pageAfterLogin(officer, "/registration/candidates")).to.equal("/registration/candidates");
    expect(pageAfterLogin({ ...officer, kind: "candidate", roles: ["candidate"] }, "/")).to.equal("/");
  });

  it("when the redirect is another site, a protocol-relative address or no path, then the page goes home instead", () => {
    expect(safeRedirect("/registration/candidates?q=1")).to.equal("/registration/candidates?q=1");
    for (const r of ["//evil.example/x", "https://evil.example/", "evil", "", undefined, ["/a"]])
      expect(safeRedirect(r), String(r)).to.equal("/");
  });

  it("when the redirect hides another site behind a backslash, a control character or a second slash, then the page goes home instead", () => {
    // Browsers read `\` as `/` in a URL: `/\evil.example/` leads to evil.example.
    for (const r of [
      "/\\evil.example/",
      "/\\/evil.example/",
      "\\evil.example",
      "/\t/evil.example/",
      "/\n/evil.example/",
      "/\u0000/evil.example",
      "/x\\y",
    ])
      expect(safeRedirect(r), JSON.stringify(r)).to.equal("/");
    expect(safeRedirect("/exam?x=%2F")).to.equal("/exam?x=%2F");
    expect(safeRedirect("/results/a-b#top")).to.equal("/results/a-b#top");
  });
});
