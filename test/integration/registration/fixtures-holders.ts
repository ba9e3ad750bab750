import { staffAgent, type AuthedAgent, type CandidateOptions } from "../../helpers/auth.js";
import {
  anotherInstance,
  aPass,
  pendingIssuanceOf,
  startCertNode,
  officer,
  type TestNode,
} from "../certificates/support.js";

const YEAR_MS = 365 * 86_400_000;

/** A province node whose signing keys were made four years ago, so it can issue certificates three years back. */
export function startNodeWithOldKeys(): Promise<TestNode> {
  return startCertNode({}, { keysMadeAt: new Date(Date.now() - 4 * YEAR_MS) });
}

/**
 * A node with keys made four years ago for this `describe` (started before its tests, stopped
 * after), with one officer per entry of `officerDivisions` (name → division code): read them as
 * `.node` and `.<name>` inside the tests.
 */
export function useNodeWithOldKeys<K extends string>(
  officerDivisions: Record<K, string>,
): { readonly node: TestNode } & { readonly [name in K]: AuthedAgent } {
  const state: { node?: TestNode; officers: Partial<Record<K, AuthedAgent>> } = { officers: {} };
  before(async () => {
    state.node = await startNodeWithOldKeys();
    for (const [name, divisionCode] of Object.entries(officerDivisions) as [K, string][])
      state.officers[name] = await staffAgent(state.node, { roles: ["officer"], divisionCode });
  });
  after(async () => {
    await state.node?.stop();
  });
  const present = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the node and its officers exist only inside tests");
    return value;
  };
  const scope = {};
  Object.defineProperty(scope, "node", { get: () => present(state.node) });
  for (const name of Object.keys(officerDivisions) as K[])
    Object.defineProperty(scope, name, { get: () => present(state.officers[name]) });
  return scope as { readonly node: TestNode } & { readonly [name in K]: AuthedAgent };
}

/**
 * A freight driver (02001) registered as `candidate` says, certified three years ago and filed under
 * 南京 (320100), as a certificate of a 南京 session is (the pass's session is made up, so issuing
 * filed it under the province). The pass it was issued on.
 */
export async function aHolderCertifiedYearsAgo(node: TestNode, candidate: CandidateOptions = {}) {
  const inst = anotherInstance(node, () => new Date(Date.now() - 3 * YEAR_MS));
  await inst.feature.start?.();
  const pass = await aPass(node, "02001", { candidate });
  await inst.facade.issuance.issue(officer, await pendingIssuanceOf(inst, pass));
  await node.ctx.conn
    .collection("certificates")
    .updateOne({ certificateNo: pass.idNumber }, { $set: { divisionCode: "320100" } });
  return pass;
}
