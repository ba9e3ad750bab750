import type { TrustListBody } from "../../../server/contracts/certificates.js";
import type { VerificationResultDto } from "../../../server/contracts/certificate-trust.js";
import {
  anotherInstance,
  aPass,
  officer,
  pendingIssuanceOf,
  startCertNode,
  type TestNode,
} from "./support.js";

type Instance = ReturnType<typeof anotherInstance>;

/**
 * A province node for this `describe` (started before its tests, stopped after them), with
 * startCertNode's `env` and options: read it as `.node` inside the tests.
 */
export function useCertNode(...args: Parameters<typeof startCertNode>): { readonly node: TestNode } {
  const state: { node?: TestNode } = {};
  before(async () => {
    state.node = await startCertNode(...args);
  });
  after(async () => {
    await state.node?.stop();
  });
  return {
    get node() {
      if (!state.node) throw new Error("the certificate node exists only inside tests");
      return state.node;
    },
  };
}

/** A new holder's pass of `categoryCode` (01001 unless told), issued on `inst`: the pass and the certificate. */
export async function anIssuedCertificate(node: TestNode, inst: Instance, categoryCode?: string) {
  const pass = await aPass(node, categoryCode);
  const record = await inst.facade.issuance.issue(officer, await pendingIssuanceOf(inst, pass));
  return { pass, record };
}

/** The keys on the trust list `inst` signs now (every key of the node, each with its window). */
export async function trustListKeys(inst: Instance): Promise<TrustListBody["keys"]> {
  const doc = await inst.facade.signing.trustListDocument();
  return (JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8")) as TrustListBody).keys;
}

/** `node`'s verdict on a certificate's QR text, asked as anyone asks it (POST /api/certificates/verify). */
export async function verifyAt(node: Pick<TestNode, "url">, text: string): Promise<VerificationResultDto> {
  const res = await fetch(`${node.url}/api/certificates/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  return (await res.json()) as VerificationResultDto;
}
