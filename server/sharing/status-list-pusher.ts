import type { SignedDocument } from "../contracts/certificates.js";
import { StatusListReceipt } from "../contracts/hub.js";
import type { Logger } from "../lib/logger.js";
import { notRegisteredAtPeer, type NodeClient } from "./node-client.js";

/**
 * Keeps the hub's copy of this province's signed status list current: pushed after every
 * certificate issue and status change (woken by the bus), when the hub took this province's
 * agreement to a transfer (the exchange, through the composition root: the receiving province
 * issues only on a copy made since) and every `intervalMs` (the list's validity runs
 * out even when nothing changes). Latest wins, so there is no queue: a failed push is simply
 * repeated by the next one, and the hub ignores a list older than the one it holds.
 *
 * Every 5 minutes by default: another province issues on a transfer out of this one only on a hub
 * copy at most 15 minutes old (certificates' `hubCopyMaxLag`, the conformance kit's P06), and a copy
 * renewed every 15 minutes was, for a moment at the end of each interval, just older than that.
 */
export function createStatusListPusher(deps: {
  client: () => NodeClient | null;
  statusList: () => Promise<SignedDocument>;
  logger: Logger;
  intervalMs?: number;
  /** After a failed push (hub down, or refused), try again this soon rather than at the next interval. */
  retryMs?: number;
  /**
   * First retry after the hub answered that it does not know this node's key yet. A new network
   * registers its provinces moments after they start, so the first push is expected to meet this;
   * the wait doubles up to `retryMs` so an unregistered node does not knock every few seconds forever.
   */
  notRegisteredRetryMs?: number;
}) {
  let timer: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;
  let stopped = true;
  let running: Promise<void> | null = null;
  let again = false;
  const maxRetryMs = deps.retryMs ?? 30_000;
  const firstNotRegisteredRetryMs = Math.min(deps.notRegisteredRetryMs ?? 2_000, maxRetryMs);
  let nextRetryMs = maxRetryMs;
  let notRegisteredRetryMs = firstNotRegisteredRetryMs;

  async function pushOnce(): Promise<StatusListReceipt | null> {
    const client = deps.client();
    if (!client) return null;
    const answer = await client.call("POST", "/api/hub/v1/status-lists", await deps.statusList());
    const receipt = StatusListReceipt.safeParse(answer.body);
    if (answer.status !== 200 || !receipt.success) {
      if (notRegisteredAtPeer(answer)) {
        // Expected on a new network until the hub operator registers this node: not a warning.
        deps.logger.info({ retryInMs: notRegisteredRetryMs }, "hub does not know this node's key yet; status list push will be repeated");
        nextRetryMs = notRegisteredRetryMs;
        notRegisteredRetryMs = Math.min(notRegisteredRetryMs * 2, maxRetryMs);
      } else {
        deps.logger.warn({ status: answer.status, body: answer.body }, "hub refused the status list");
        nextRetryMs = maxRetryMs;
      }
      return null;
    }
    notRegisteredRetryMs = firstNotRegisteredRetryMs;
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
        nextRetryMs = maxRetryMs;
        return null;
      })
      .then((receipt) => {
        if (receipt || stopped || retry || !deps.client()) return;
        retry = setTimeout(() => {
          retry = null;
          push();
        }, nextRetryMs);
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
      timer = setInterval(push, deps.intervalMs ?? 5 * 60_000);
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
