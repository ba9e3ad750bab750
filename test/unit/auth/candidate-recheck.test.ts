import { EventEmitter } from "node:events";
import { expect } from "chai";
import { createCandidateRecheck, type LoginsById } from "../../../server/auth/candidate-recheck.js";
import { createLogger } from "../../../server/lib/logger.js";
import type { AppSocket } from "../../../server/lib/socket-types.js";

const NOW = new Date("2026-05-10T02:00:00Z");

/** A connected candidate socket of login `loginSessionId` that records being closed by the server. */
function aSocket(loginSessionId: string) {
  const socket = Object.assign(new EventEmitter(), {
    connected: true,
    closed: false,
    data: { loginSessionId },
    disconnect(close: boolean) {
      socket.closed = close;
      socket.connected = false;
      socket.emit("disconnect", "server namespace disconnect");
      return socket;
    },
  });
  return socket;
}

/** A login store holding `expiresById` (null: no expiry) that records each read's ids. */
function aStore(expiresById: Record<string, Date | null>) {
  const reads: string[][] = [];
  const logins: LoginsById = {
    find: (filter) => {
      reads.push(filter._id.$in);
      const found = filter._id.$in
        .filter((id) => id in expiresById)
        .map((id) => ({ _id: id, ...(expiresById[id] ? { expires: expiresById[id] } : {}) }));
      return { toArray: () => Promise.resolve(found) };
    },
  };
  return { logins, reads };
}

const silent = createLogger({ level: "silent", name: "test" });

describe("auth: the periodic recheck of candidate sockets' logins", () => {
  it("when 1,200 candidates are connected, then one sweep reads their logins in three batched reads, not one each", async () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `login-${i}`);
    const { logins, reads } = aStore(Object.fromEntries(ids.map((id) => [id, null])));
    const recheck = createCandidateRecheck({ logins, now: () => NOW, periodMs: 60_000, logger: silent });
    const sockets = ids.map(aSocket);
    try {
      for (const s of sockets) recheck.track(s as unknown as AppSocket);
      await recheck.recheckNow();
    } finally {
      recheck.stop();
    }
    expect(reads.map((r) => r.length)).to.deep.equal([500, 500, 200]);
    expect(sockets.filter((s) => s.closed)).to.have.length(0);
  });

  it("when a login is gone or expired, then its sockets are closed by the server and the others stay", async () => {
    const { logins } = aStore({
      live: new Date(NOW.getTime() + 60_000),
      expired: new Date(NOW.getTime() - 1),
    });
    const recheck = createCandidateRecheck({ logins, now: () => NOW, periodMs: 60_000, logger: silent });
    const live = aSocket("live");
    const expired = aSocket("expired");
    const gone = [aSocket("gone"), aSocket("gone")];
    try {
      for (const s of [live, expired, ...gone]) recheck.track(s as unknown as AppSocket);
      await recheck.recheckNow();
    } finally {
      recheck.stop();
    }
    expect({ live: live.closed, expired: expired.closed, gone: gone.map((s) => s.closed) }).to.deep.equal({
      live: false,
      expired: true,
      gone: [true, true],
    });
  });

  it("when a socket has disconnected, then it is no longer read for", async () => {
    const { logins, reads } = aStore({ a: null, b: null });
    const recheck = createCandidateRecheck({ logins, now: () => NOW, periodMs: 60_000, logger: silent });
    const a = aSocket("a");
    const b = aSocket("b");
    try {
      recheck.track(a as unknown as AppSocket);
      recheck.track(b as unknown as AppSocket);
      a.emit("disconnect", "client namespace disconnect");
      await recheck.recheckNow();
    } finally {
      recheck.stop();
    }
    expect(reads).to.deep.equal([["b"]]);
  });
});
