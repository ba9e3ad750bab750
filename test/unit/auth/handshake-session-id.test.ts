import { expect } from "chai";
import { sentLoginSessionId } from "../../../server/auth/socket-checks.js";

/**
 * Which handshakes a refused socket's login is looked up for: express-session gives a request
 * without its cookie (or with one for no stored login) a fresh id, which no stored login has.
 */
describe("the login session a refused handshake sent", () => {
  const sid = "Qm9vbGVhbi1zZXNzaW9uLWlkLTAx";

  it("when the handshake sent no cookie, then it sent no login session, whatever id express-session made up", () => {
    expect(sentLoginSessionId({ headers: {}, sessionID: sid })).to.equal(undefined);
  });

  it("when the handshake's cookies carry another id than express-session's (a login no longer stored), then it sent none to read", () => {
    const cookie = "roadcert.csrf=x; roadcert.sid=s%3AotherId00000000000000000.sig";
    expect(sentLoginSessionId({ headers: { cookie }, sessionID: sid })).to.equal(undefined);
  });

  it("when the handshake's session cookie carries express-session's id, plain or __Host-, then that id is the login to read", () => {
    for (const name of ["roadcert.sid", "__Host-roadcert.sid"]) {
      const cookie = `lang=zh; ${name}=s%3A${sid}.c2lnbmF0dXJl`;
      expect(sentLoginSessionId({ headers: { cookie }, sessionID: sid })).to.equal(sid);
    }
    expect(sentLoginSessionId({ headers: { cookie: "x=1" } })).to.equal(undefined);
  });
});
