import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  DEMO_TRUST_DIR,
  buildTrustList,
  createSigner,
  generateKeyPair,
  keyIdOf,
  loadTrustList,
  readAnchorsFile,
  readTrustLists,
  DEMO_ANCHORS_FILE,
  DEMO_TRUST_LIST_FILE,
} from "../../../server/certificates/index.js";
import type { SignatureSuite, TrustAnchor, TrustListKey } from "../../../server/contracts/certificates.js";
import { demoKey, demoQr } from "./fixtures-verify-cli.js";

const run = promisify(execFile);

/** `npm run cert:verify <args>` with its exit code, stdout and stderr (refusals exit non-zero). */
function verifyCliFull(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node_modules/.bin/tsx", ["scripts/cert-verify.ts", ...args], {
    env: { ...process.env, LOG_LEVEL: "silent" },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

/** The demo anchor's private key, which signs the committed demo trust list (issuer "demo"). */
function demoAnchorSealing() {
  const keys = JSON.parse(readFileSync(join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json"), "utf8")) as {
    anchor: { kid: string; suite: SignatureSuite; publicKey: string; privateKey: string };
  };
  return { kid: keys.anchor.kid, signer: createSigner(keys.anchor) };
}

/** The committed demo list's certificate keys, as the demo anchor vouches for them. */
function demoListKeys(): TrustListKey[] {
  const loaded = loadTrustList(
    JSON.parse(readFileSync(DEMO_TRUST_LIST_FILE, "utf8")),
    readAnchorsFile(DEMO_ANCHORS_FILE),
  );
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.list.body.keys;
}

/**
 * `npm run cert:verify` given several trust lists of one issuer: only the newest (its signed
 * generatedAt) counts, so an older list in which a key is still open cannot vouch for a certificate
 * dated after the newer list ended that key (a leaked key, rotated at once).
 */
describe("the offline verifying command given several trust lists of one issuer", function () {
  this.timeout(60_000);

  it("when the newer list ends the key and the QR is dated after that end, then the QR is refused whatever the order, and stderr names the older list as set aside", async () => {
    const { sealing } = demoKey();
    const anchor = demoAnchorSealing();
    const keyEnd = "2026-12-07T06:00:00.000Z";
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-trust-lists-"));
    try {
      const listAt = (name: string, generatedAt: string, endKey: boolean) => {
        const keys = demoListKeys().map((k) =>
          endKey && k.kid === sealing.kid ? { ...k, validTo: keyEnd } : k,
        );
        const doc = buildTrustList(
          {
            issuer: "demo",
            keys,
            now: new Date(generatedAt),
            validForSeconds: 30 * 86_400,
            refreshSeconds: 7 * 86_400,
          },
          anchor,
        );
        const file = join(dir, name);
        writeFileSync(file, JSON.stringify(doc));
        return file;
      };
      const older = listAt("older.json", "2026-12-06T00:00:00Z", false);
      const newer = listAt("newer.json", "2026-12-07T06:00:00Z", true);
      // Signed six hours after the key's end (beyond any clock margin).
      const qr = demoQr({
        certificateNo: "990000199001010055",
        statusIndex: 45_678,
        issuedAt: "2026-12-07T12:00:00Z",
      });
      for (const order of [
        [older, newer],
        [newer, older],
      ]) {
        const outcome = await verifyCliFull([
          qr,
          ...order.flatMap((f) => ["--trust-list", f]),
          "--now",
          "2026-12-07T13:00:00Z",
          "--json",
        ]);
        const verdict = JSON.parse(outcome.stdout) as { ok: boolean; code: string };
        expect(verdict, order.join(" ")).to.deep.include({ ok: false, code: "key_not_valid_at_issue" });
        expect(outcome.code).to.equal(1);
        // The older one is named as set aside, beside the newer one kept; the newer is never set aside.
        expect(outcome.stderr).to.include(`信任列表 ${older}（签发方 demo`).and.include(`${newer}（生成于`);
        expect(outcome.stderr).to.include("已弃用").and.not.include(`信任列表 ${newer}（`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when a province's anchor signs a newer list calling itself hub, then the hub's own older list is not set aside", () => {
    const hubPair = generateKeyPair("ed25519");
    const hubKid = keyIdOf("ed25519", hubPair.publicKey);
    const hubAnchor: TrustAnchor = {
      name: "测试全国中心",
      kid: hubKid,
      suite: "ed25519",
      publicKey: hubPair.publicKey,
      provinces: "*",
    };
    const anchors = [...readAnchorsFile(DEMO_ANCHORS_FILE), hubAnchor];
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-trust-lists-"));
    try {
      const write = (name: string, doc: unknown) => {
        const file = join(dir, name);
        writeFileSync(file, JSON.stringify(doc));
        return file;
      };
      const body = (generatedAt: string, keys: TrustListKey[]) => ({
        issuer: "hub",
        keys,
        now: new Date(generatedAt),
        validForSeconds: 30 * 86_400,
        refreshSeconds: 7 * 86_400,
      });
      const hub = write(
        "hub.json",
        buildTrustList(body("2026-12-06T00:00:00Z", demoListKeys()), {
          kid: hubKid,
          signer: createSigner(hubPair),
        }),
      );
      const posing = write(
        "posing.json",
        buildTrustList(body("2026-12-07T00:00:00Z", []), demoAnchorSealing()),
      );
      const { lists, setAside } = readTrustLists([hub, posing], anchors);
      expect(lists.map((l) => l.anchor.kid)).to.have.members([hubKid, demoAnchorSealing().kid]);
      expect(setAside).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when the only list given ends the key, then a QR dated before the end is still authentic", async () => {
    const { sealing } = demoKey();
    const anchor = demoAnchorSealing();
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-trust-lists-"));
    try {
      const keys = demoListKeys().map((k) =>
        k.kid === sealing.kid ? { ...k, validTo: "2026-12-07T06:00:00.000Z" } : k,
      );
      const file = join(dir, "list.json");
      const doc = buildTrustList(
        {
          issuer: "demo",
          keys,
          now: new Date("2026-12-07T06:00:00Z"),
          validForSeconds: 30 * 86_400,
          refreshSeconds: 7 * 86_400,
        },
        anchor,
      );
      writeFileSync(file, JSON.stringify(doc));
      const qr = demoQr({
        certificateNo: "990000199001010066",
        statusIndex: 45_679,
        issuedAt: "2026-12-07T01:00:00Z",
      });
      const outcome = await verifyCliFull([
        qr,
        "--trust-list",
        file,
        "--now",
        "2026-12-07T13:00:00Z",
        "--json",
      ]);
      // Authentic, status unknown (no status list given): exit 3, and nothing set aside.
      expect(JSON.parse(outcome.stdout)).to.deep.include({ ok: true, authentic: true });
      expect(outcome.code).to.equal(3);
      expect(outcome.stderr).to.not.include("已弃用");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
