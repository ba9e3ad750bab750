import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import {
  createSocketChecks,
  type ClosedAttempt,
  type LoginStore,
  type StoredLogin,
} from "../../../server/auth/socket-checks.js";
import type { AppSocket } from "../../../server/lib/socket-types.js";

const NOW = new Date("2026-05-10T02:00:00Z");

/** A candidate as passport keeps them in the login. */
function aCandidate(): AuthUser {
  return {
    kind: "candidate",
    id: "c-1",
    roles: ["candidate"],
    displayName: "张三",
    divisionCode: "320100",
    candidate: { candidateId: "c-1", sessionId: "s-1", ticketNo: "T-1", seatId: "seat-1" },
  } as unknown as AuthUser;
}

/** A login store holding `login` under "login-1" that counts its reads. */
function countedStore(login: Pick<StoredLogin, "expires" | "session"> | null) {
  const reads: Record<string, 1>[] = [];
  const store: LoginStore = {
    findOne: (filter, options) => {
      reads.push(options.projection);
      return Promise.resolve(filter._id === "login-1" ? login : null);
    },
  };
  return { store, reads };
}

/** A connected candidate socket past the window given at login; keeps what was emitted on it. */
function aSocketPastItsWindow(user: AuthUser) {
  const emitted: { event: string; payload: unknown }[] = [];
  const socket = {
    connected: true,
    data: { user, loginSessionId: "login-1", candidateUntil: NOW.getTime() - 60_000 },
    emit: (event: string, payload: unknown) => {
      emitted.push({ event, payload });
      return true;
    },
  } as unknown as AppSocket;
  return { socket, emitted };
}

describe("auth: a candidate socket refused at connect because the sitting is over", () => {
  const closed = { attemptId: "a-1", status: "voided", closeReason: "voided" } as unknown as ClosedAttempt;

  it("when the login still holds and the attempt is closed, then the login is read once, and the page is told how the attempt closed before the refusal", async () => {
    const user = aCandidate();
    const login = {
      expires: new Date(NOW.getTime() + 3_600_000),
      session: { passport: { user: { k: "candidate", user } } },
    };
    const { store, reads } = countedStore(login);
    const asked: string[][] = [];
    const checks = createSocketChecks({
      auth: {
        now: () => NOW,
        candidateSittingUntil: () => Promise.resolve(null),
        staffById: () => Promise.resolve(null),
      },
      logins: store,
      closedAttempt: (sessionId, candidateId) => {
        asked.push([sessionId, candidateId]);
        return Promise.resolve(closed);
      },
    });
    const { socket, emitted } = aSocketPastItsWindow(user);
    const refusal = await checks.connectRefusal(socket);
    expect(refusal?.code).to.equal("session_ended");
    expect(emitted).to.deep.equal([{ event: "attempt:closed", payload: closed }]);
    expect(asked).to.deep.equal([["s-1", "c-1"]]);
    expect(reads, "one read of the login").to.have.length(1);
  });

  it("when the login has expired by connect, then the page is refused and told nothing of the attempt", async () => {
    const user = aCandidate();
    const login = {
      expires: new Date(NOW.getTime() - 1),
      session: { passport: { user: { k: "candidate", user } } },
    };
    const { store, reads } = countedStore(login);
    const checks = createSocketChecks({
      auth: {
        now: () => NOW,
        candidateSittingUntil: () => Promise.resolve(null),
        staffById: () => Promise.resolve(null),
      },
      logins: store,
      closedAttempt: () => Promise.resolve(closed),
    });
    const { socket, emitted } = aSocketPastItsWindow(user);
    expect((await checks.connectRefusal(socket))?.code).to.equal("session_ended");
    expect(emitted).to.deep.equal([]);
    expect(reads).to.have.length(1);
  });
});
