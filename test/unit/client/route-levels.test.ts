import { expect } from "chai";
import type { RouteRecordRaw } from "vue-router";
import { POLICIES } from "../../../server/access/policies.js";
import { routes as exchangeRoutes } from "../../../client/src/features/exchange/routes.js";
import { routes as sharingRoutes } from "../../../client/src/features/sharing/routes.js";

/** The pages of province-wide tools, by route name, and the server policy each one's requests ask. */
const PAGE_POLICY: Record<string, keyof typeof POLICIES> = {
  "sharing-outbound": "sharing:queue",
  "sharing-lookup-notices": "sharing:queue",
  "sharing-legacy-register": "sharing:register",
  "exchange-escalations": "exchange:escalations",
};

describe("province-level pages: the menu offers them to the levels the server admits", () => {
  const byName = new Map<unknown, RouteRecordRaw>(
    [...sharingRoutes, ...exchangeRoutes].map((r) => [r.name, r]),
  );

  for (const [page, policy] of Object.entries(PAGE_POLICY)) {
    it(`when the ${page} page is offered, then it names the levels of ${policy}`, () => {
      const route = byName.get(page);
      expect(route, page).to.not.equal(undefined);
      expect(POLICIES[policy].levels, policy).to.be.an("array").that.is.not.empty;
      expect(route?.meta?.levels).to.deep.equal(POLICIES[policy].levels);
    });
  }
});
