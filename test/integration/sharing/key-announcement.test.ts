import { expect } from "chai";
import type { SignedDocument } from "../../../server/contracts/certificates.js";
import type { CertificateKeysReceipt } from "../../../server/contracts/hub.js";
import type { Logger } from "../../../server/lib/logger.js";
import { createStatusListPusher, type NodeClient } from "../../../server/sharing/index.js";

type Answer = { status: number; body: unknown };
const quiet = { info: () => undefined, warn: () => undefined } as unknown as Logger;
const statusList = () => Promise.resolve({ document: "list" } as unknown as SignedDocument);
const listTaken: Answer = {
  status: 200,
  body: { provinceCode: "320000", outcome: "accepted", generatedAt: new Date().toISOString() },
};
const down: Answer = { status: 503, body: { error: { code: "unavailable", message: "全国中心维护中" } } };

/** A hub stand-in: answers each path from its own script (the last answer repeats), and keeps every call. */
function scriptedHub(script: Record<string, Answer[]>) {
  const calls: { path: string; body: unknown }[] = [];
  let waiting: (() => void) | null = null;
  const client = {
    call: (_method: string, path: string, body: unknown) => {
      const answers = script[path] ?? [];
      const answer = answers[Math.min(calls.filter((c) => c.path === path).length, answers.length - 1)]!;
      calls.push({ path, body });
      waiting?.();
      const error = answer.status === 200 ? null : (answer.body as { error: unknown }).error;
      return Promise.resolve({ ...answer, error, rawBody: JSON.stringify(answer.body), proof: {} });
    },
  } as unknown as NodeClient;
  return {
    client,
    calls,
    async waitFor(path: string, n: number): Promise<void> {
      while (calls.filter((c) => c.path === path).length < n) await new Promise<void>((r) => (waiting = r));
    },
  };
}

/** A node's key port over an in-memory key list, recording what the hub answered it lists. */
function keysOf(initial: { kid: string; validFrom: string; validTo?: string }[]) {
  let keys = initial.map((k) => ({ ...k, suite: "ed25519" as const, publicKey: `pk-${k.kid}` }));
  const wakes: (() => void)[] = [];
  const listed: CertificateKeysReceipt["listed"][] = [];
  return {
    port: {
      current: () => Promise.resolve(keys),
      listed: (l: CertificateKeysReceipt["listed"]) => Promise.resolve(void listed.push(l)),
      onChange: (wake: () => void) => void wakes.push(wake),
    },
    listed,
    rotate(kid: string, validFrom: string) {
      keys = [
        ...keys.map((k) => ({ ...k, validTo: validFrom })),
        { kid, validFrom, suite: "ed25519" as const, publicKey: `pk-${kid}` },
      ];
      for (const wake of wakes) wake();
    },
  };
}

const KEYS = "/api/hub/v1/certificate-keys";
const LISTS = "/api/hub/v1/status-lists";
const keysTaken = (kids: string[]): Answer => ({
  status: 200,
  body: {
    provinceCode: "320000",
    listed: kids.map((kid) => ({ kid, validFrom: "2026-01-01", validTo: null })),
    refused: [],
  },
});

describe("certificate keys announced with the status list push", () => {
  it("when the keys change, then the push announces them before the list, once, and a failed announcement is repeated by the retry although the list was taken", async () => {
    const hub = scriptedHub({
      [KEYS]: [keysTaken(["k1"]), down, keysTaken(["k1", "k2"])],
      [LISTS]: [listTaken],
    });
    const keys = keysOf([{ kid: "k1", validFrom: "2026-01-01" }]);
    const pusher = createStatusListPusher({
      client: () => hub.client,
      statusList,
      logger: quiet,
      keys: keys.port,
      retryMs: 10,
    });
    pusher.start();
    try {
      await hub.waitFor(LISTS, 1);
      // The keys first, then the list; a second push with the same keys sends the list alone.
      expect(hub.calls.map((c) => c.path)).to.deep.equal([KEYS, LISTS]);
      pusher.push();
      await hub.waitFor(LISTS, 2);
      expect(hub.calls.filter((c) => c.path === KEYS)).to.have.length(1);

      // A rotation wakes the push; the hub is down for the keys, so the retry brings them again.
      keys.rotate("k2", "2026-03-01");
      await hub.waitFor(KEYS, 3);
      await hub.waitFor(LISTS, 4);
    } finally {
      await pusher.stop();
    }
    const announced = hub.calls.filter((c) => c.path === KEYS).map((c) => c.body);
    expect(announced[2]).to.deep.equal({ certificateKeys: await keys.port.current() });
    expect(keys.listed.at(-1)?.map((k) => k.kid)).to.deep.equal(["k1", "k2"]);
  });
});
