import { gzipSync } from "node:zlib";
import { expect } from "chai";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  signDocument,
} from "../../../server/certificates/index.js";
import type { StatusListBody } from "../../../server/contracts/certificates.js";
import { createRegistryService } from "../../../server/hub/index.js";
import { createStatusListService } from "../../../server/hub/status-lists.js";
import { AppError } from "../../../server/lib/errors.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

/**
 * The hub keeps a province's status list only when its bits decode: a list signed by a registered
 * key but holding no readable bitstring (or too short a one) replaced the good list, and verifiers
 * everywhere then read every certificate of the province from nothing.
 */
describe("hub status lists: the bitstring is decoded before a list is kept", () => {
  const db = useTestDatabase("hub_bits");
  const pair = generateKeyPair("ed25519");
  const key = { kid: "js-cert-1", signer: createSigner(pair) };
  let service: ReturnType<typeof createStatusListService>;

  before(async () => {
    const registry = createRegistryService(db.conn);
    await registry.register({
      provinceCode: "320000",
      name: "江苏",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [{ kid: key.kid, suite: "ed25519", publicKey: pair.publicKey }],
    });
    service = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
  });

  let clock = Date.now() - 60 * 60_000;
  /** A list signed by 江苏's registered key, each newer than the one before, with `encodedList` as given. */
  function aSignedList(encodedList?: string) {
    const now = new Date((clock += 60_000));
    const good = buildStatusList(
      { provinceCode: "320000", bits: emptyStatusBits(), now, validForSeconds: 3600 },
      key,
    );
    if (encodedList === undefined) return good;
    const body = JSON.parse(Buffer.from(good.payload, "base64url").toString("utf8")) as StatusListBody;
    return signDocument({ ...body, encodedList }, key);
  }
  const gzipped = (bytes: number) => `u${gzipSync(new Uint8Array(bytes)).toString("base64url")}`;

  async function refusal(list: unknown): Promise<AppError> {
    return refusalOf(list, "320000");
  }

  async function refusalOf(list: unknown, signer: string): Promise<AppError> {
    try {
      await service.publish(list, signer);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error("the list was kept");
  }

  it("when a validly signed list's bitstring is too short, then it is refused with a stable code and the held list stays", async () => {
    expect((await service.publish(aSignedList(), "320000")).outcome).to.equal("accepted");
    const held = await service.get("320000");

    // 1,000 bytes: 4,000 two-bit entries, far below the W3C minimum of 131,072.
    const err = await refusal(aSignedList(gzipped(1000)));
    expect({ code: err.code, status: err.status }).to.deep.equal({
      code: "status_list_bits_invalid",
      status: 422,
    });
    expect(err.message)
      .to.match(/[\u4e00-\u9fff]/)
      .and.include("4000")
      .and.include("131072");
    expect(await service.get("320000")).to.deep.equal(held);
  });

  it("when a validly signed list's bitstring is not GZIP or not multibase base64url, then it is refused and the held list stays", async () => {
    // Its own held list: run alone, there would be none to keep and the last check could not fail.
    expect((await service.publish(aSignedList(), "320000")).outcome).to.equal("accepted");
    const held = await service.get("320000");
    expect(held).to.not.equal(null);
    for (const encodedList of [
      `u${Buffer.from("not gzip at all").toString("base64url")}`,
      gzipped(32_768).slice(1),
    ]) {
      const err = await refusal(aSignedList(encodedList));
      expect(err.code, encodedList.slice(0, 12)).to.equal("status_list_bits_invalid");
      expect(err.message).to.match(/[\u4e00-\u9fff]/);
    }
    expect(await service.get("320000")).to.deep.equal(held);
  });

  it("when a validly signed list's encodedList carries '=' padding or '+', then it is refused (not_multibase, as at every node) and the held list stays", async () => {
    expect((await service.publish(aSignedList(), "320000")).outcome).to.equal("accepted");
    const held = await service.get("320000");
    const good = gzipped(32_768);
    for (const encodedList of [`${good}=`, `${good}==`, `${good.slice(0, -1)}+`]) {
      const err = await refusal(aSignedList(encodedList));
      expect(err.code, encodedList.slice(-4)).to.equal("status_list_bits_invalid");
      expect(err.details).to.deep.equal({ problem: "not_multibase" });
    }
    expect(await service.get("320000")).to.deep.equal(held);
  });

  describe("a list signed by a retired key", () => {
    const old = generateKeyPair("ed25519");
    const oldKey = { kid: "zj-cert-old", signer: createSigner(old) };
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    before(async () => {
      // 浙江's first key, retired yesterday (registered by the operator as whole days), and its current key.
      await createRegistryService(db.conn).register({
        provinceCode: "330000",
        name: "浙江",
        nodeKey: generateNodeKey().publicKeyX,
        certificateKeys: [
          {
            kid: oldKey.kid,
            suite: "ed25519",
            publicKey: old.publicKey,
            validFrom: day(-400),
            validTo: day(-1),
          },
          {
            kid: "zj-cert-2",
            suite: "ed25519",
            publicKey: generateKeyPair("ed25519").publicKey,
            validFrom: day(-1),
          },
        ],
      });
    });
    const aListOf330000 = (now: Date) =>
      buildStatusList(
        { provinceCode: "330000", bits: emptyStatusBits(), now, validForSeconds: 3600 },
        oldKey,
      );

    it("when the list is dated after the key's retirement, then the hub refuses it status_list_key_retired with a Chinese message and keeps the list it held", async () => {
      const held = await service.get("330000");
      const err = await refusalOf(aListOf330000(new Date()), "330000");
      expect({ code: err.code, status: err.status }).to.deep.equal({
        code: "status_list_key_retired",
        status: 422,
      });
      expect(err.message)
        .to.match(/[\u4e00-\u9fff]/)
        .and.include(oldKey.kid);
      expect(await service.get("330000")).to.deep.equal(held);
    });

    it("when the list was dated while the key was in use, then the hub keeps it", async () => {
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      expect((await service.publish(aListOf330000(twoDaysAgo), "330000")).outcome).to.equal("accepted");
    });
  });

  it("when a list holds more entries than the minimum, then it is kept (the W3C list sets a minimum, not a size)", async () => {
    expect((await service.publish(aSignedList(gzipped(65_536)), "320000")).outcome).to.equal("accepted");
  });
});
