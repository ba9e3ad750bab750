/** Why a node should get no new work now: the error body `/readyz` answers with 503. */
export interface NotReady {
  code: string;
  message: string;
}

/**
 * What `/readyz` asks besides the database: checks registered by the parts of a node that can
 * fail on their own (the Redis adapter), and the node's own shutdown. The composition root makes
 * one per node and hands it to the app's `/readyz`; the socket server only learns from the
 * shutdown that it must refuse new handshakes (its `refusingNew` option).
 */
export interface Readiness {
  /** Adds a check answering why the node is not ready, or null while it is. */
  add(check: () => NotReady | null): void;
  /** From now on the node is stopping: the load balancer must send it nothing new. */
  shuttingDown(): void;
  /** The first reason the node is not ready (shutdown first), or null. */
  current(): NotReady | null;
}

export function createReadiness(): Readiness {
  const checks: (() => NotReady | null)[] = [];
  let stopping = false;
  return {
    add(check) {
      checks.push(check);
    },
    shuttingDown() {
      stopping = true;
    },
    current() {
      if (stopping) return { code: "shutting_down", message: "节点正在停止" };
      for (const check of checks) {
        const problem = check();
        if (problem) return problem;
      }
      return null;
    },
  };
}
