/**
 * `npm run cert:demo-trust` — (re)writes the committed DEMO trust material in trust/demo/:
 *   DEMO-ONLY-signing-keys.json  private keys of the made-up province 990000 (演示) and of the demo
 *                                trust anchor: public knowledge by design, so anything they sign
 *                                proves nothing; they exist so cert:sample and cert:verify work on a
 *                                fresh clone with no network and no node running.
 *   trust-anchors.json           the demo anchor (public key only), allowed to vouch for 990000 only
 *   trust-list.json              the demo trust list (public keys only), signed by the demo anchor
 * Existing keys are kept (so committed samples keep verifying); only the list is re-signed, with a
 * fresh generation time. `--new-keys` makes new keys. Never put a real node's key here.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readCommandLineOrExit } from "./command-line.js";
import type { SignatureSuite, TrustListKey } from "../server/contracts/certificates.js";
import {
  createSigner,
  generateKeyPair,
  keyIdOf,
  buildTrustList,
  DEMO_PROVINCE_CODE,
  DEMO_TRUST_DIR,
} from "../server/certificates/index.js";

interface DemoKey {
  suite: SignatureSuite;
  kid: string;
  publicKey: string;
  privateKey: string;
}
const keysPath = join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json");

function makeKey(suite: SignatureSuite): DemoKey {
  const pair = generateKeyPair(suite);
  return {
    suite,
    kid: keyIdOf(suite, pair.publicKey),
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
  };
}

const USAGE = "用法：npm run cert:demo-trust [-- --new-keys]";

// Read strictly: a misspelt `--newkeys` was taken for nothing, so the old keys were kept and the
// list re-signed while the user believed the keys were new.
const { values } = readCommandLineOrExit(USAGE, () =>
  parseArgs({ options: { "new-keys": { type: "boolean", default: false } } }),
);
const fresh = values["new-keys"] || !existsSync(keysPath);
const keys = fresh
  ? {
      warning:
        "DEMO ONLY — these private keys are published on purpose; nothing they sign is a real certificate.",
      provinceCode: DEMO_PROVINCE_CODE,
      validFrom: new Date().toISOString(),
      certificate: { ed25519: makeKey("ed25519"), "sm2-sm3": makeKey("sm2-sm3") },
      anchor: makeKey("ed25519"),
    }
  : (JSON.parse(readFileSync(keysPath, "utf8")) as {
      warning: string;
      provinceCode: string;
      validFrom: string;
      certificate: Record<SignatureSuite, DemoKey>;
      anchor: DemoKey;
    });
if (fresh) writeFileSync(keysPath, `${JSON.stringify(keys, null, 2)}\n`);

const anchors = {
  format: "roadcert-trust-anchors/1",
  anchors: [
    {
      name: "roadcert 演示信任根 (DEMO ONLY)",
      kid: keys.anchor.kid,
      suite: keys.anchor.suite,
      publicKey: keys.anchor.publicKey,
      provinces: [DEMO_PROVINCE_CODE],
      demo: true,
    },
  ],
};
writeFileSync(join(DEMO_TRUST_DIR, "trust-anchors.json"), `${JSON.stringify(anchors, null, 2)}\n`);

const listKeys: TrustListKey[] = Object.values(keys.certificate).map((k) => ({
  provinceCode: keys.provinceCode,
  kid: k.kid,
  suite: k.suite,
  publicKey: k.publicKey,
  validFrom: keys.validFrom,
  validTo: null,
  demo: true,
}));
const list = buildTrustList(
  // Ten years, refreshed monthly: a fresh clone must keep verifying the sample for a long time.
  {
    issuer: "demo",
    keys: listKeys,
    now: new Date(),
    validForSeconds: 10 * 365 * 86_400,
    refreshSeconds: 30 * 86_400,
  },
  { kid: keys.anchor.kid, signer: createSigner(keys.anchor) },
);
writeFileSync(join(DEMO_TRUST_DIR, "trust-list.json"), `${JSON.stringify(list, null, 2)}\n`);
console.log(`demo trust material written to ${DEMO_TRUST_DIR} (keys ${fresh ? "new" : "kept"})`);
