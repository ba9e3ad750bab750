import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { bootError } from "../../helpers/test-config.js";

const KEY_A = "A".repeat(43);
const KEY_B = "B".repeat(43);
const HUB_KEY = "H".repeat(43);
const province = { ROLE: "province", PROVINCE_CODE: "110000" };

describe("config: certificate peers and their pinned anchors", () => {
  it("when a peer has no pinned anchor and there is no hub, then boot fails naming CERT_PEER_ANCHORS and the peer", () => {
    const message = bootError({
      ...province,
      CERT_PEERS: "320000=http://js:3000,440000=http://gd:3000",
      CERT_PEER_ANCHORS: `440000=${KEY_A}`,
    });
    expect(message).to.match(
      /- CERT_PEER_ANCHORS: pins no anchor key for CERT_PEERS 320000 and there is no HUB_URL/,
    );
  });

  it("when every peer is pinned, then each carries its keys, a province repeated for each key", () => {
    const config = loadConfig({
      ...province,
      CERT_PEERS: "320000=http://js:3000,440000=http://gd:3000",
      CERT_PEER_ANCHORS: `320000=${KEY_A},440000=${KEY_B},320000=${KEY_B}`,
    });
    expect(config.certificates.peers).to.deep.equal([
      { provinceCode: "320000", url: "http://js:3000", anchorKeys: [KEY_A, KEY_B] },
      { provinceCode: "440000", url: "http://gd:3000", anchorKeys: [KEY_B] },
    ]);
  });

  it("when the node has the hub, then an unpinned peer boots (the national list vouches for it)", () => {
    const config = loadConfig({
      ...province,
      HUB_URL: "http://hub:3000",
      HUB_PUBLIC_KEY: HUB_KEY,
      CERT_PEERS: "320000=http://js:3000",
    });
    expect(config.certificates.peers).to.deep.equal([
      { provinceCode: "320000", url: "http://js:3000", anchorKeys: [] },
    ]);
  });

  it("when an anchor is pinned for a province CERT_PEERS does not list, or is no key, then boot fails naming CERT_PEER_ANCHORS", () => {
    expect(
      bootError({
        ...province,
        CERT_PEERS: "320000=http://js:3000",
        CERT_PEER_ANCHORS: `320000=${KEY_A},440000=${KEY_B}`,
      }),
    ).to.match(/- CERT_PEER_ANCHORS: pins 440000, which CERT_PEERS does not list/);
    expect(bootError({ ...province, CERT_PEER_ANCHORS: "320000=http://js:3000" })).to.include(
      "- CERT_PEER_ANCHORS: must look like",
    );
  });
});
