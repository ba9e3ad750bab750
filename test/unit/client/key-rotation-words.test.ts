import { expect } from "chai";
import type { RouteRecordRaw } from "vue-router";
import { POLICIES } from "../../../server/access/policies.js";
import {
  KEY_STATE_LABELS,
  keyState,
  openKeyKid,
  rotationFailureMessage,
  rotationNote,
  rotationResult,
  trustListKeys,
  trustListRotationNote,
  trustListRotationResult,
} from "../../../client/src/features/certificates/key-rotation.js";

/** The certificates feature's routes, loaded at run time (they import Vue components and icons). */
async function certificateRoutes(): Promise<RouteRecordRaw[]> {
  const path: string = "../../../client/src/features/certificates/routes.js";
  return ((await import(path)) as { routes: RouteRecordRaw[] }).routes;
}

describe("the signing keys page's words: key states, rotation outcomes and who is offered it", () => {
  it("when the rotation is refused with a stable code, then the page words it; an unknown code keeps the server's message", () => {
    expect(
      rotationFailureMessage({ status: 409, code: "key_rotation_in_progress", message: "server words" }),
    ).to.match(/^该签名密钥正由其他管理员或定时轮换进行.*本次未轮换/);
    expect(
      rotationFailureMessage({ status: 403, code: "province_level_only", message: "server words" }),
    ).to.include("仅省级运管机构");
    for (const code of ["validation_failed", "constructor"])
      expect(rotationFailureMessage({ status: 400, code, message: "请求参数有误" }), code).to.equal(
        "请求参数有误",
      );
  });

  it("when the key the admin saw was changed since (key_changed_since_viewed), then the page says it was already changed and to look at the refreshed list", () => {
    const m = rotationFailureMessage({
      status: 409,
      code: "key_changed_since_viewed",
      message: "server words",
    });
    expect(m).to.include("已被更换").and.include("本次未轮换").and.include("刷新后的密钥列表");
    expect(m).to.not.include("server words");
  });

  it("when a rotation is pending its switch, then the key it would end is that one, not the key signing now", () => {
    const signing = { kid: "k-old", validFrom: "2026-01-01T00:00:00Z", validTo: "2026-12-08T12:00:00Z" };
    const pending = { kid: "k-new", validFrom: "2026-12-08T12:00:00Z", validTo: null };
    expect(openKeyKid([signing, pending])).to.equal("k-new");
    expect(openKeyKid([{ ...signing, validTo: null }])).to.equal("k-old");
    expect(openKeyKid([])).to.equal(null);
  });

  it("when no answer came or the server failed, then the page says it is unknown whether the key was rotated", () => {
    const lost = rotationFailureMessage({ status: 0, code: "network_error", message: "无法连接服务器" });
    const failed = rotationFailureMessage({ status: 500, code: "internal_error", message: "服务器错误" });
    for (const m of [lost, failed]) expect(m).to.include("不能确定本次是否已轮换").and.include("密钥列表");
    expect(failed).to.not.include("internal_error");
  });

  it("when a key's switch is ahead, has come or its end has passed, then it is 待启用, 签发中 or no longer signing", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(keyState({ validFrom: "2026-12-08T12:00:00Z", validTo: null }, now)).to.equal("pending");
    expect(keyState({ validFrom: "2026-01-01T00:00:00Z", validTo: "2026-12-08T12:00:00Z" }, now)).to.equal(
      "signing",
    );
    expect(keyState({ validFrom: "2026-01-01T00:00:00Z", validTo: null }, now)).to.equal("signing");
    expect(keyState({ validFrom: "2026-01-01T00:00:00Z", validTo: "2026-12-06T12:00:00Z" }, now)).to.equal(
      "ended",
    );
  });

  it("when a waiting key was replaced before its switch, then it is 已被替换（未启用）, not 待启用", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    const replaced = { validFrom: "2026-12-08T12:00:00Z", validTo: "2026-12-08T12:05:00Z" };
    expect(keyState(replaced, now)).to.equal("superseded");
    expect(KEY_STATE_LABELS.superseded).to.equal("已被替换（未启用）");
  });

  it("when the rotation replaced a key still waiting for its switch, then the result does not say that key signed until now", () => {
    const text = rotationResult({
      kid: "k-c",
      previousKid: "k-b",
      switchAt: "2026年12月8日 20:05",
      signingKid: "k-a",
      leadHours: 48,
    });
    expect(text).to.include("尚未启用的密钥 k-b").and.include("k-a");
    expect(text).to.not.include("原密钥 k-b");
  });

  it("when the node's lead is 48 hours, then the note says the new key signs 48 hours after the rotation and the current key signs meanwhile", () => {
    const note = rotationNote(48);
    expect(note).to.include("轮换后新密钥将于 48 小时后开始签发新证书，期间当前密钥继续签发");
    expect(note).to.include("提前公告期为 48 小时").and.include("并将公告至全国中心");
    expect(note).to.include("仍可验证").and.not.include("立即");
    // The exact configured period, not an estimate read off an earlier rotation.
    expect(note).to.not.include("约");
  });

  it("when no rotation has happened yet, then the note still says the exact lead the server gave, whatever it is", () => {
    for (const hours of [1, 7, 720]) {
      const note = rotationNote(hours);
      expect(note, String(hours)).to.include(`将于 ${hours} 小时后开始签发新证书`);
      expect(note, String(hours)).to.not.include("提前公告期满后");
    }
  });

  it("when the node has no lead, then the note says the new key signs at once and verifiers may not know it yet", () => {
    const note = rotationNote(0);
    expect(note).to.include("立即开始签发新证书").and.include("当前密钥同时停止签发");
    expect(note).to.include("更新信任列表之前").and.not.include("0 小时");
  });

  it("when the lead the page got is not a whole number of hours in the configured range, then no note is worded from it", () => {
    for (const hours of [-1, 1.5, 721, Number.NaN])
      expect(() => rotationNote(hours), String(hours)).to.throw(RangeError);
  });

  it("when the rotation succeeded, then the result names the new key, the key it replaces and the hub", () => {
    const text = rotationResult({
      kid: "k-new",
      previousKid: "k-old",
      switchAt: "2026年12月8日 20:00",
      leadHours: 48,
    });
    expect(text).to.include("k-new").and.include("k-old").and.include("2026年12月8日 20:00");
    expect(text).to.include("仍可验证").and.include("全国中心");
    expect(rotationResult({ kid: "k-new", previousKid: null, switchAt: null, leadHours: null }))
      .to.include("提前公告期满后")
      .and.not.include("null");
  });

  it("when the node has a lead but the reloaded list does not show the new key yet, then the result says the exact lead, not a vague 提前公告期满后", () => {
    const text = rotationResult({ kid: "k-new", previousKid: "k-old", switchAt: null, leadHours: 48 });
    expect(text).to.include("轮换后 48 小时起签发新证书").and.include("此前仍由原密钥 k-old 签发");
    expect(text).to.not.include("提前公告期满后");
  });

  it("when the node has no lead (0), then the result says the new key is in use at once and the old one stopped signing, whatever the reloaded list shows", () => {
    // The reloaded list already shows the new key signing, so the key signing now is the new one.
    for (const switchAt of [null, "2026年12月8日 20:00"]) {
      const text = rotationResult({
        kid: "k-new",
        previousKid: "k-old",
        switchAt,
        signingKid: "k-new",
        leadHours: 0,
      });
      expect(text, String(switchAt)).to.include("新密钥已立即启用").and.include("原密钥 k-old 同时停止签发");
      expect(text, String(switchAt))
        .to.not.include("提前公告期满后")
        .and.not.include("将于")
        .and.not.include("尚未启用")
        .and.not.include("此前仍由");
      expect(text, String(switchAt)).to.include("仍可验证");
    }
  });

  it("when the trust-list key is to be rotated, then the note says it signs the list at once, is not announced to the hub, and what pinned peers must do", () => {
    const note = trustListRotationNote();
    expect(note).to.include("信任列表签名密钥").and.include("立即");
    expect(note).to.include("不公告至全国中心").and.include("无提前公告期");
    expect(note).to.include("CERT_PEER_ANCHORS").and.include("不能撤回");
    expect(note).to.include("已签发的证书").and.include("证书签名密钥不受影响");
  });

  it("when the trust-list key was rotated, then the result names the new key and the key it replaced, in use at once", () => {
    const text = trustListRotationResult("t-new", "t-old");
    expect(text).to.include("t-new").and.include("t-old").and.include("已立即");
    expect(text).to.include("不公告至全国中心");
    expect(trustListRotationResult("t-new", null)).to.include("t-new").and.not.include("null");
  });

  it("when the node's trust list is read, then its keys come from the signed payload", () => {
    const body = {
      format: "roadcert-trust-list/1",
      issuer: "province:320000",
      generatedAt: "2026-12-06T12:00:00.000Z",
      validUntil: "2026-12-13T12:00:00.000Z",
      refreshSeconds: 3600,
      keys: [
        {
          provinceCode: "320000",
          kid: "k1",
          suite: "sm2-sm3",
          publicKey: "AAAA",
          validFrom: "2026-01-01T00:00:00.000Z",
          validTo: null,
        },
      ],
    };
    const payload = Buffer.from(JSON.stringify(body)).toString("base64url");
    const doc = {
      format: "roadcert-signed/1" as const,
      signer: { kid: "t1", suite: "ed25519" as const },
      payload,
      signature: "x",
    };
    expect(trustListKeys(doc).map((k) => k.kid)).to.deep.equal(["k1"]);
  });

  it("when the 签名密钥 page is offered, then it is to the roles and levels the rotation route admits", async () => {
    const page = (await certificateRoutes()).find((r) => r.name === "certificate-keys");
    const policy = POLICIES["certificate-key:rotate"];
    expect(page?.meta?.roles).to.deep.equal(policy.roles);
    expect(page?.meta?.levels).to.deep.equal(policy.levels);
  });
});
