import { expect } from "chai";
import type { RouteRecordRaw } from "vue-router";
import { POLICIES, type Policy } from "../../../server/access/policies.js";

/**
 * The client's route tables, loaded at run time: they import Vue components and icons, which the
 * server's compiler options do not type (vue-tsc checks them in the client's own project).
 */
async function routesOf(
  feature: "exchange" | "sharing" | "question-bank" | "certificates",
): Promise<RouteRecordRaw[]> {
  const path: string = `../../../client/src/features/${feature}/routes.js`;
  return ((await import(path)) as { routes: RouteRecordRaw[] }).routes;
}

/** The pages of province-wide tools, by route name, and the server policy each one's requests ask. */
const PAGE_POLICY: Record<string, keyof typeof POLICIES> = {
  "sharing-outbound": "sharing:queue",
  "sharing-lookup-notices": "sharing:queue",
  "sharing-legacy-register": "sharing:register",
  "exchange-escalations": "exchange:escalations",
  "question-bank-questions": "question:read",
  "question-bank-question": "question:read",
  "question-bank-review": "question:review",
  "question-bank-import": "bank:import",
  "certificate-keys": "certificate-key:rotate",
};

describe("province-level pages: the menu offers them to the levels the server admits", () => {
  const byName = new Map<unknown, RouteRecordRaw>();
  before(async () => {
    for (const feature of ["sharing", "exchange", "question-bank", "certificates"] as const)
      for (const r of await routesOf(feature)) byName.set(r.name, r);
  });

  for (const [page, policy] of Object.entries(PAGE_POLICY)) {
    it(`when the ${page} page is offered, then it names the levels of ${policy}`, () => {
      const route = byName.get(page);
      expect(route, page).to.not.equal(undefined);
      const levels = (POLICIES[policy] as Policy).levels;
      expect(levels, policy).to.be.an("array").that.is.not.empty;
      expect(route?.meta?.levels).to.deep.equal(levels);
    });
  }
});
