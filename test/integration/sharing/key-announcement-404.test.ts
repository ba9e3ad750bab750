import { mock } from "node:test";
import { expect } from "chai";
import type { NodeClient } from "../../../server/sharing/index.js";
import { eventually } from "../../helpers/eventually.js";
import { aOneKeyStatusListPusher } from "../../helpers/status-list-pusher.js";

/**
 * Lets every promise the pusher has in flight settle: its fake hub answers at once, so a push is
 * promise callbacks only, all run before the next turn of the (real, not faked) event loop.
 */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

// An older hub answers 404 to POST /certificate-keys: it will until its operator upgrades it.
const KEYS = "/api/hub/v1/certificate-keys";
const LISTS = "/api/hub/v1/status-lists";

/**
 * A status-list pusher for one key, retrying every 10 ms, against a hub that accepts the list and
 * answers the key announcement 404 with `refusal`; it records the paths called and the warnings.
 * Start it in the test, stop it after.
 */
function aPusherWhoseKeysTheHubRefuses(refusal: { code: string; message: string }) {
  const calls: string[] = [];
  const client = {
    call: (_m: string, path: string) => {
      calls.push(path);
      const answer =
        path === KEYS
          ? { status: 404, body: { error: refusal } }
          : {
              status: 200,
              body: { provinceCode: "320000", outcome: "accepted", generatedAt: new Date().toISOString() },
            };
      const error = answer.status === 200 ? null : (answer.body as { error: unknown }).error;
      return Promise.resolve({ ...answer, error, rawBody: JSON.stringify(answer.body), proof: {} });
    },
  } as unknown as NodeClient;
  const { pusher, warnings } = aOneKeyStatusListPusher(client, 10);
  return { calls, warnings, pusher };
}

describe("certificate keys announced to an older hub without the route", () => {
  it("when the hub answers 404 to the key announcement, then the node backs off instead of retrying every retryMs, says so once with a stable code, and still pushes its list", async () => {
    const { calls, warnings, pusher } = aPusherWhoseKeysTheHubRefuses({
      code: "route_not_found",
      message: "找不到接口 POST /api/hub/v1/certificate-keys",
    });
    // A fake clock, not real time: the pusher's retry timers and Date run only as far as the test
    // moves them, so 400 ms of a 10 ms retry are exactly 40 chances to retry, however slow the machine.
    mock.timers.enable({
      apis: ["setTimeout", "setInterval", "Date"],
      now: Date.parse("2026-12-06T12:00:00Z"),
    });
    try {
      pusher.start();
      await settled();
      expect(calls, "the first push").to.deep.equal([KEYS, LISTS]);
      for (let ms = 0; ms < 400; ms += 10) {
        mock.timers.tick(10);
        await settled();
      }
    } finally {
      await pusher.stop();
      mock.timers.reset();
    }
    // Retrying every 10 ms, these 400 ms would have held 40 more announcements; backed off, none.
    expect(calls.filter((p) => p === KEYS)).to.have.length(1);
    expect(calls.filter((p) => p === LISTS)).to.have.length(1);
    expect(warnings.filter((w) => w.code === "hub_certificate_keys_unsupported")).to.have.length(1);
  });

  it("when the hub answers 404 for a node it does not know (not_found, not route_not_found), then the announcement is retried as a refusal every retryMs, not backed off for an hour, and no keysStatus is reported", async () => {
    // What the hub's registry answers when the signing node has no registration there (yet).
    const { calls, warnings, pusher } = aPusherWhoseKeysTheHubRefuses({
      code: "not_found",
      message: "省级节点不存在",
    });
    pusher.start();
    let status: ReturnType<typeof pusher.keysStatus>;
    try {
      // Retried every 10 ms, five announcements come within moments; backed off, never in 10 s.
      await eventually(() => calls.filter((p) => p === KEYS).length >= 5, {
        what: "five key announcements",
        tries: 1_000,
        everyMs: 10,
      });
      status = pusher.keysStatus();
    } finally {
      await pusher.stop();
    }
    expect(calls.filter((p) => p === KEYS).length).to.be.at.least(5);
    expect(warnings.filter((w) => w.code === "hub_certificate_keys_unsupported")).to.have.length(0);
    expect(warnings.some((w) => w.status === 404)).to.equal(true);
    expect(status).to.equal(null);
  });
});
