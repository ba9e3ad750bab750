import { expect } from "chai";
import { kioskAddress, takeSeatToken } from "../../../client/src/features/auth/kiosk-link.js";
import { kioskSeatToken, seatTokenForLogin, type SeatStorage } from "../../../client/src/shared/kiosk.js";

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

/** A kiosk's localStorage: `refuses` makes every write fail (quota, a locked-down profile). */
function aKioskStorage(
  stored?: string,
  options: { refuses?: boolean } = {},
): SeatStorage & { value(): string | null } {
  const items = new Map<string, string>();
  if (stored !== undefined) items.set("roadcert.seatToken", stored);
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      if (options.refuses) throw new Error("QuotaExceededError");
      items.set(key, value);
    },
    removeItem: (key) => void items.delete(key),
    value: () => items.get("roadcert.seatToken") ?? null,
  };
}

/**
 * The login page asks `seatTokenForLogin` with what the address brought (`takeSeatToken`), then
 * takes the token out of the address: a reload brings none, and the stored one must be the seat
 * the computer was last bound to.
 */
describe("the kiosk's seat binding across new addresses and reloads (client)", () => {
  it("when a new kiosk address is opened, then its token is bound over the stored one, and after a reload the new seat is used", () => {
    const storage = aKioskStorage("seat-07");
    expect(seatTokenForLogin("seat-12", storage)).to.equal("seat-12");
    expect(storage.value()).to.equal("seat-12");
    // The reload: the address no longer carries the token.
    expect(seatTokenForLogin(null, storage)).to.equal("seat-12");
  });

  it("when two addresses are opened one after the other, then the later one's seat is kept", () => {
    const storage = aKioskStorage();
    seatTokenForLogin("seat-01", storage);
    expect(seatTokenForLogin("seat-02", storage)).to.equal("seat-02");
    expect(seatTokenForLogin(null, storage)).to.equal("seat-02");
  });

  it("when the address brings no token, then the stored one is used, or none when the computer was never bound", () => {
    expect(seatTokenForLogin(null, aKioskStorage("seat-07"))).to.equal("seat-07");
    expect(seatTokenForLogin(null, aKioskStorage())).to.equal(null);
  });

  it("when storage refuses to keep the new token, then this page uses it, and after a reload the old seat's token is not used", () => {
    const storage = aKioskStorage("seat-07", { refuses: true });
    expect(seatTokenForLogin("seat-12", storage)).to.equal("seat-12");
    // A login from the old seat would be refused as not the candidate's seat, or bind them to a
    // desk they do not sit at: no token (the proctor binds the computer again) is the honest state.
    expect(seatTokenForLogin(null, storage)).to.equal(null);
  });

  it("when there is no storage at all, then the address's token is used and nothing else", () => {
    expect(seatTokenForLogin("seat-12", null)).to.equal("seat-12");
    expect(seatTokenForLogin(null, null)).to.equal(null);
    const unreadable: SeatStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("SecurityError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    expect(seatTokenForLogin("seat-12", unreadable)).to.equal("seat-12");
    expect(seatTokenForLogin(null, unreadable)).to.equal(null);
    expect(kioskSeatToken(unreadable)).to.equal(null);
  });
});
