import { expect } from "chai";
import type { SignedDocument } from "../../../server/contracts/certificates.js";
import type { Logger } from "../../../server/lib/logger.js";
import { createStatusListPusher, type NodeClient, type SignedAnswer } from "../../../server/sharing/index.js";

/** A logger that keeps what was logged at info and warn, the two levels the pusher chooses between. */
function recordingLogger() {
  const lines: { level: "info" | "warn"; msg: string }[] = [];
  const logger = {
    info: (_obj: unknown, msg: string) => lines.push({ level: "info", msg }),
    warn: (_obj: unknown, msg: string) => lines.push({ level: "warn", msg }),
  } as unknown as Logger;
  return { logger, lines };
}

/** A hub stand-in answering each push with the next canned answer, and counting the pushes. */
function scriptedHub(answers: Pick<SignedAnswer, "status" | "body" | "error">[]) {
  let calls = 0;
  let resolveCall: (() => void) | null = null;
  const client = {
    call: () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      resolveCall?.();
      return Promise.resolve({ ...answer, rawBody: JSON.stringify(answer.body), proof: {} });
    },
  } as unknown as NodeClient;
  return {
    client,
    get calls() {
      return calls;
    },
    /** Resolves once the hub has been called `n` times in all. */
    async waitForCalls(n: number): Promise<void> {
      while (calls < n) await new Promise<void>((resolve) => (resolveCall = resolve));
    },
  };
}

const statusList = () => Promise.resolve({ document: "list" } as unknown as SignedDocument);
const refusal = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } }, error: { code, message } });
const notRegistered = refusal(401, "unknown_key", "未登记的节点密钥");
const accepted = { status: 200, body: { provinceCode: "320000", outcome: "accepted", generatedAt: new Date().toISOString() }, error: null };

describe("status list pusher", () => {
  it("when the hub does not know the node's key yet, then the push is repeated soon and logged as information, not as a warning", async () => {
    const hub = scriptedHub([notRegistered, notRegistered, accepted]);
    const { logger, lines } = recordingLogger();
    // The regular retry is an hour away: only the short not-registered retry can bring the later pushes.
    const pusher = createStatusListPusher({ client: () => hub.client, statusList, logger, retryMs: 3_600_000, notRegisteredRetryMs: 5 });
    pusher.start();
    try {
      await hub.waitForCalls(3);
    } finally {
      await pusher.stop();
    }
    expect(lines.filter((l) => l.level === "warn")).to.deep.equal([]);
    expect(lines.filter((l) => l.level === "info")).to.have.length(2);
  });

  it("when the hub refuses the list for another reason, then it is a warning and the regular retry applies", async () => {
    const hub = scriptedHub([refusal(403, "node_suspended", "节点已被停用")]);
    const { logger, lines } = recordingLogger();
    const pusher = createStatusListPusher({ client: () => hub.client, statusList, logger, retryMs: 3_600_000, notRegisteredRetryMs: 5 });
    pusher.start();
    await hub.waitForCalls(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pusher.stop();
    expect(hub.calls).to.equal(1);
    expect(lines.map((l) => l.level)).to.deep.equal(["warn"]);
  });
});
