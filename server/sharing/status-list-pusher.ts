import type { z } from "zod";
import type { SignedDocument } from "../contracts/certificates.js";
import { CertificateKeysReceipt, StatusListReceipt, type CertificateSigningKey } from "../contracts/hub.js";
import type { Logger } from "../lib/logger.js";
import { notRegisteredAtPeer, unverifiedRefusal, type NodeClient, type SignedAnswer } from "./node-client.js";

/**
 * This node's certificate signing keys as the hub should list them (the certificates feature's
 * signing service). The hub's national trust list is what other provinces verify against, so a key
 * the node rotates to must be listed there before it signs: the pusher announces the keys before
 * each status list whenever they differ from what the hub last answered for.
 */
export interface CertificateKeysPort {
  /** Every certificate key of the node, dated as the hub keeps keys (days). */
  current(): Promise<z.infer<typeof CertificateSigningKey>[]>;
  /** What the hub's list now carries for this province (its answer to the announcement). */
  listed(keys: CertificateKeysReceipt["listed"]): Promise<void>;
  /** Calls `wake` when the keys changed or a key the hub does not list yet was needed. */
  onChange(wake: () => void): void;
}

/**
 * A POST to the hub, with its unsigned 401 unknown_key given back as that refusal rather than
 * thrown: the hub signs no refusal of a request whose signature it could not verify, and an unknown
 * key is the expected answer until the operator registers this node. Only waited on here
 * (notRegisteredAtPeer: a sooner retry, logged at info), never taken as the hub's verdict.
 */
function post(client: NodeClient, path: string, body: unknown): Promise<Pick<SignedAnswer, "status" | "body" | "error">> {
  return client.call("POST", path, body).catch((err: unknown) => {
    if (unverifiedRefusal(err)?.code !== "unknown_key") throw err;
    return { status: 401, body: null, error: { code: "unknown_key", message: "未登记的节点密钥" } };
  });
}

/** The stable code of an older hub without POST /certificate-keys (log entries, `keysStatus`). */
export const HUB_LACKS_KEYS_ROUTE = "hub_certificate_keys_unsupported";

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
 *
 * With `keys`, each push first announces the node's certificate keys when they changed since the
 * hub last took them (a rotation on any instance, or this process's first push): after a key's
 * switch the list itself is signed with the new key, which the hub must list first. A failed
 * announcement is repeated by the next push, exactly like a failed list.
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
  keys?: CertificateKeysPort;
  /** The longest wait between key announcements to a hub that answered 404 (no such route). */
  keysRouteMaxBackoffMs?: number;
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
  /** The key list the hub last answered for, as sent; null until then (each process announces once). */
  let announced: string | null = null;
  /** The last announcement failed: the push is repeated even when the list itself was taken. */
  let keysOwed = false;
  /**
   * The hub answered 404 to the key announcement: an older hub without POST /certificate-keys. It
   * will answer the same until its operator upgrades it, so the announcement is tried again after a
   * wait that doubles from `retryMs` up to `keysRouteMaxBackoffMs` (the list push goes on meanwhile),
   * not every `retryMs` forever; reported once, with a stable code, and in `keysStatus()`.
   */
  let keysRouteMissing: { since: string; backoffMs: number; nextAt: number } | null = null;
  const maxKeysBackoffMs = Math.max(deps.keysRouteMaxBackoffMs ?? 3_600_000, maxRetryMs);

  /** Sets when to try again after the hub refused `what`. */
  function refused(answer: Pick<SignedAnswer, "status" | "body" | "error">, what: string): void {
    if (notRegisteredAtPeer(answer)) {
      // Expected on a new network until the hub operator registers this node: not a warning.
      deps.logger.info({ retryInMs: notRegisteredRetryMs }, `hub does not know this node's key yet; ${what} push will be repeated`);
      nextRetryMs = notRegisteredRetryMs;
      notRegisteredRetryMs = Math.min(notRegisteredRetryMs * 2, maxRetryMs);
    } else {
      deps.logger.warn({ status: answer.status, body: answer.body }, `hub refused the ${what}`);
      nextRetryMs = maxRetryMs;
    }
  }

  /**
   * Announces the certificate keys when they changed since the hub last took them: `taken` (or
   * nothing to announce), `owed` (to be repeated), or `unknown_node` (the hub does not know this
   * node's key, so it would refuse the list as well).
   */
  async function announceKeys(
    client: NodeClient,
    port: CertificateKeysPort,
  ): Promise<"taken" | "owed" | "deferred" | "unknown_node"> {
    const keys = await port.current();
    const sent = JSON.stringify(keys);
    if (!keys.length || sent === announced) return "taken";
    if (keysRouteMissing && Date.now() < keysRouteMissing.nextAt) return "deferred";
    const answer = await post(client, "/api/hub/v1/certificate-keys", { certificateKeys: keys });
    // Only the hub's "no such route" answer means an older hub; another 404 (a node the hub does not
    // know) is a refusal like any other, retried as one.
    if (answer.status === 404 && answer.error?.code === "route_not_found") {
      const backoffMs = keysRouteMissing ? Math.min(keysRouteMissing.backoffMs * 2, maxKeysBackoffMs) : maxRetryMs;
      if (!keysRouteMissing)
        deps.logger.warn(
          { code: HUB_LACKS_KEYS_ROUTE, retryInMs: backoffMs },
          "the hub has no certificate-key route (an older hub): rotated keys cannot be announced, so issuing with them is refused until it is upgraded; announcing again with a growing wait",
        );
      keysRouteMissing = { since: keysRouteMissing?.since ?? new Date().toISOString(), backoffMs, nextAt: Date.now() + backoffMs };
      return "deferred";
    }
    const receipt = CertificateKeysReceipt.safeParse(answer.body);
    if (answer.status !== 200 || !receipt.success) {
      refused(answer, "certificate keys");
      return notRegisteredAtPeer(answer) ? "unknown_node" : "owed";
    }
    // Refused keys are not retried (the hub would answer the same): the operator has to act.
    if (receipt.data.refused.length) deps.logger.warn({ refused: receipt.data.refused }, "hub did not list some certificate keys");
    await port.listed(receipt.data.listed);
    announced = sent;
    if (keysRouteMissing) deps.logger.info({ code: HUB_LACKS_KEYS_ROUTE }, "the hub takes certificate keys again");
    keysRouteMissing = null;
    return "taken";
  }

  async function pushOnce(): Promise<StatusListReceipt | null> {
    const client = deps.client();
    if (!client) return null;
    // Keys first, but a failure there does not hold the list back (a hub that cannot take keys
    // still needs the province's statuses); it is repeated with the next push.
    const port = deps.keys;
    const keys = port
      ? await announceKeys(client, port).catch((err: unknown) => {
          deps.logger.warn({ err }, "certificate key announcement failed; the next push repeats it");
          nextRetryMs = maxRetryMs;
          return "owed" as const;
        })
      : "taken";
    // Deferred (an older hub): the timed push tries again once the wait is over, not the 30 s retry.
    keysOwed = keys === "owed" || keys === "unknown_node";
    if (keys === "unknown_node") return null;
    const answer = await post(client, "/api/hub/v1/status-lists", await deps.statusList());
    const receipt = StatusListReceipt.safeParse(answer.body);
    if (answer.status !== 200 || !receipt.success) {
      refused(answer, "status list");
      return null;
    }
    if (!keysOwed) notRegisteredRetryMs = firstNotRegisteredRetryMs;
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
        if ((receipt && !keysOwed) || stopped || retry || !deps.client()) return;
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

  // A rotation (or a key needed before the hub listed it) is announced now, not at the next interval.
  deps.keys?.onChange(() => {
    if (!stopped) push();
  });

  return {
    pushOnce,
    push,
    /** For the node's status page: null while the hub takes key announcements. */
    keysStatus(): { code: typeof HUB_LACKS_KEYS_ROUTE; since: string; nextAttemptAt: string } | null {
      return keysRouteMissing && {
        code: HUB_LACKS_KEYS_ROUTE,
        since: keysRouteMissing.since,
        nextAttemptAt: new Date(keysRouteMissing.nextAt).toISOString(),
      };
    },
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
