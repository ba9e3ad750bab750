import { expect } from "chai";
import type { NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aOneKeyStatusListPusher } from "../../helpers/status-list-pusher.js";
import { useHubWithJiangsu } from "../hub/support.js";

const KEYS = "/api/hub/v1/certificate-keys";
const LISTS = "/api/hub/v1/status-lists";

/**
 * key-announcement-404.test.ts answers the announcement with a fake, already verified 404. Here the
 * answer is a real hub's: the announcement is sent, signed, to a path the hub's route table has not
 * got (the strict router's trailing slash), as it would be to a hub older than the route. Only a
 * signed 404 route_not_found that the province verifies lets it back off; an unsigned one reads as
 * an invalid hub signature and was announced again every retry, forever.
 */
describe("certificate keys announced to a real hub that has not got the route", () => {
  const provinceDb = useTestDatabase("prov_older_hub");
  const suite = useHubWithJiangsu(provinceDb);

  it("when the hub's own route table answers the announcement, then the province verifies its signed 404, backs off with one warning, and still pushes its list", async () => {
    const calls: string[] = [];
    // The real signed client for the announcement; the list itself is taken by a stand-in (this
    // test is about the announcement, and a real list needs a province's certificate keys).
    const client = {
      call: (method: "GET" | "POST", path: string, body?: unknown) => {
        calls.push(path);
        if (path === KEYS) return suite.jiangsu.client.call(method, `${KEYS}/`, body);
        return Promise.resolve({
          status: 200,
          body: { provinceCode: "320000", outcome: "accepted", generatedAt: new Date().toISOString() },
          error: null,
          rawBody: "",
          proof: {},
        });
      },
    } as unknown as NodeClient;
    const { pusher, warnings } = aOneKeyStatusListPusher(client, 20);
    pusher.start();
    try {
      // Retrying every 20 ms, a second of real time holds dozens of announcements; backed off, none.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await pusher.stop();
    }
    expect(calls.filter((p) => p === KEYS), "announcements").to.have.length(1);
    expect(calls.filter((p) => p === LISTS), "list pushes").to.have.length.at.least(1);
    expect(warnings.filter((w) => w.code === "hub_certificate_keys_unsupported")).to.have.length(1);
  });
});
