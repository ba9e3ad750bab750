import type { SignatureSuite, SignedDocument } from "../../contracts/certificates.js";
import { createVerifier, type Signer } from "./suites.js";

/**
 * Signed JSON documents (trust lists, status lists): the body's exact bytes travel base64url-encoded
 * next to the signature, so signer and verifier never have to agree on a JSON canonical form.
 */
export function signDocument(body: unknown, key: { kid: string; signer: Signer }): SignedDocument {
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  return {
    format: "roadcert-signed/1",
    signer: { kid: key.kid, suite: key.signer.suite },
    payload: bytes.toString("base64url"),
    signature: Buffer.from(key.signer.sign(bytes)).toString("base64url"),
  };
}

/** The signed body if `publicKey` verifies the signature, else null. Never throws. */
export function openSignedDocument(
  doc: SignedDocument,
  key: { suite: SignatureSuite; publicKey: string },
): unknown {
  if (doc.signer.suite !== key.suite) return null;
  const bytes = Buffer.from(doc.payload, "base64url");
  const signature = Buffer.from(doc.signature, "base64url");
  if (!createVerifier(key.suite, key.publicKey).verify(bytes, signature)) return null;
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

/** JSON with object keys sorted at every level: the bytes a record signature covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
