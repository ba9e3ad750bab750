import type { SignedDocument } from "../contracts/certificates.js";
import { StatusListReceipt } from "../contracts/hub.js";
import type { Logger } from "../lib/logger.js";
import type { NodeClient } from "./node-client.js";

/**
 * Keeps the hub's copy of this province's signed status list current: pushed after every
 * certificate status change (woken by the bus) and every `intervalMs` (the list's validity runs
 * out even when nothing changes). Latest wins, so there is no queue: a failed push is simply
 * repeated by the next one, and the hub ignores a list older than the one it holds.
 */
export function createStatusListPusher(deps: {
  client: () => NodeClient | null;
  statusList: () => Promise<SignedDocument>;
  logger: Logger;
  intervalMs?: number;
  /** After a failed push (hub down, or not yet registered), try again this soon rather than at the next interval. */
  retryMs?: number;
}) {
  let timer: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;
  let stopped = true;
  let running: Promise<void> | null = null;
  let again = false;

  async function pushOnce(): Promise<StatusListReceipt | null> {
    const client = deps.client();
    if (!client) return null;
    const answer = await client.call("POST", "/api/hub/v1/status-lists", await deps.statusList());
    const receipt = StatusListReceipt.safeParse(answer.body);
    if (answer.status !== 200 || !receipt.success) {
      deps.logger.warn({ status: answer.status, body: answer.body }, "hub refused the status list");
      return null;
    }
    return receipt.data;
  }

  function push(): void {
    if (running) {
      // A change arrived during a push: push once more afterwards, so the hub gets the newest list.
      again = true;
      return;
    }
    running = pushOnce()
      .catch((err: unknown) => {
        deps.logger.warn({ err }, "status list push failed; the next one repeats it");
        return null;
      })
      .then((receipt) => {
        if (receipt || stopped || retry || !deps.client()) return;
        retry = setTimeout(() => {
          retry = null;
          push();
        }, deps.retryMs ?? 30_000);
        retry.unref();
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          push();
        }
      });
  }

  return {
    pushOnce,
    push,
    start(): void {
      stopped = false;
      push();
      timer = setInterval(push, deps.intervalMs ?? 15 * 60_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      if (retry) clearTimeout(retry);
      timer = null;
      retry = null;
      again = false;
      await running;
    },
  };
}
export type StatusListPusher = ReturnType<typeof createStatusListPusher>;
