import type { RegisteredNodeDto } from "@contracts/hub.js";

type Suite = RegisteredNodeDto["certificateKeys"][number]["suite"];

/** A certificate signing key's suite as the operator reads it (the wire value stays in the API). */
const SUITE_LABELS: Readonly<Record<Suite, string>> = {
  ed25519: "Ed25519 签名",
  "sm2-sm3": "SM2 国密签名",
};

/** The suite's name; a suite this page does not know is shown as itself. */
export function keySuiteLabel(suite: string): string {
  return (SUITE_LABELS as Readonly<Record<string, string>>)[suite] ?? suite;
}
