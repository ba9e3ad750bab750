import { expect } from "chai";
import { kioskAddress, takeSeatToken } from "../../../client/src/features/auth/kiosk-link.js";

/**
 * The kiosk address carries a seat's login token once. In the fragment it never reaches a server
 * (nor its request log), and the login page takes it out of the address bar once it has kept it.
 */
describe("the kiosk address's seat token (client)", () => {
  it("when the address is made, then the token is in the fragment, not in the query the server receives", () => {
    const url = new URL(kioskAddress("https://exam.example.cn", "a+b/c=="));
    expect(url.pathname).to.equal("/login");
    expect(url.search).to.equal("?as=candidate");
    expect(url.searchParams.has("seat")).to.equal(false);
    expect(new URLSearchParams(url.hash.slice(1)).get("seat")).to.equal("a+b/c==");
  });

  it("when the login page is opened with the token in the fragment, then the token is taken and the address keeps everything else", () => {
    expect(takeSeatToken({ query: { as: "candidate" }, hash: "#seat=tok-123" })).to.deep.equal({
      token: "tok-123",
      query: { as: "candidate" },
      hash: "",
    });
    expect(takeSeatToken({ query: {}, hash: "#seat=a%2Bb&x=1" })).to.deep.equal({
      token: "a+b",
      query: {},
      hash: "#x=1",
    });
  });

  it("when an older address carries the token in the query, then it is taken from there and removed too", () => {
    expect(
      takeSeatToken({ query: { as: "candidate", seat: "old-token", redirect: "/" }, hash: "" }),
    ).to.deep.equal({ token: "old-token", query: { as: "candidate", redirect: "/" }, hash: "" });
  });

  it("when the address carries no token, then nothing is taken and nothing changes", () => {
    const location = { query: { as: "candidate" }, hash: "#top" };
    expect(takeSeatToken(location)).to.deep.equal({ token: null, ...location });
    expect(takeSeatToken({ query: { seat: ["a", "b"] }, hash: "#seat=" })).to.deep.include({ token: null });
  });
});
