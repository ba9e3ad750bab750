import type { Logger } from "../lib/logger.js";
import type { AppSocket } from "../lib/socket-types.js";
import { loginHoldsAt, type StoredLogin } from "./socket-checks.js";

/**
 * The batched read of the login store the recheck makes: logins by id, expiry only (the store is
 * socket-checks.ts's `loginStoreOf`).
 */
export interface LoginsById {
  find(
    filter: { _id: { $in: string[] } },
    options: { projection: { expires: 1 } },
  ): { toArray(): Promise<Pick<StoredLogin, "_id" | "expires">[]> };
}

/** Logins asked per read: a bounded `$in` on the `_id` index, however many candidates are connected. */
const RECHECK_BATCH = 500;

export interface CandidateRecheckDeps {
  logins: LoginsById;
  /** The clock logins expire on (the database's, as the TTL index that removes them). */
  now: () => Date;
  periodMs: number;
  logger: Logger;
  /** Logins asked per read (default RECHECK_BATCH). */
  batch?: number;
}

/**
 * Asks the logins of this instance's candidate sockets again, on a timer. A candidate's events are
 * checked against the clock only (every save asks; a read each would cost the save path), so a
 * logout reached the socket only through the room disconnect the Redis adapter relays, which is
 * lost while this instance's Redis link is down: the socket kept saving until the login window
 * closed. One timer per instance reads every local candidate's login in batches of `batch` ids,
 * one after the other (not one read per socket, not all at once), and closes the sockets whose
 * login is gone or expired, the way the staff recheck does.
 */
export function createCandidateRecheck(deps: CandidateRecheckDeps) {
  const { logins, now, periodMs, logger } = deps;
  const batch = deps.batch ?? RECHECK_BATCH;
  const sockets = new Set<AppSocket>();
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;

  /** One pass over the sockets connected when it starts; sockets whose login ended are closed. */
  const sweep = async (): Promise<void> => {
    const byLogin = new Map<string, AppSocket[]>();
    for (const socket of sockets) {
      const id = socket.data.loginSessionId;
      // A candidate socket without a login is refused at connect already; close it here too.
      if (!id) socket.disconnect(true);
      else {
        const same = byLogin.get(id);
        if (same) same.push(socket);
        else byLogin.set(id, [socket]);
      }
    }
    const ids = [...byLogin.keys()];
    for (let i = 0; i < ids.length; i += batch) {
      const chunk = ids.slice(i, i + batch);
      const found = await logins.find({ _id: { $in: chunk } }, { projection: { expires: 1 } }).toArray();
      const at = now().getTime();
      const holding = new Set(found.filter((login) => loginHoldsAt(login, at)).map((login) => login._id));
      for (const id of chunk) {
        if (holding.has(id)) continue;
        for (const socket of byLogin.get(id) ?? []) if (socket.connected) socket.disconnect(true);
      }
    }
  };

  /** Runs a sweep unless one is running (then that one's end); never rejects (logged). */
  const recheckNow = (): Promise<void> =>
    (sweeping ??= sweep()
      .catch((err: unknown) => logger.warn({ err }, "candidate socket recheck failed"))
      .finally(() => {
        sweeping = null;
      }));

  return {
    /** Puts a connected candidate socket on the recheck until it disconnects. */
    track(socket: AppSocket): void {
      sockets.add(socket);
      socket.once("disconnect", () => sockets.delete(socket));
      if (!timer) {
        timer = setInterval(() => void recheckNow(), periodMs);
        timer.unref();
      }
    },
    recheckNow,
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type CandidateRecheck = ReturnType<typeof createCandidateRecheck>;
