/** 32 hex digits from the browser's random source (randomUUID needs a secure context; LAN pages may lack one). */
export function newRequestId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/**
 * The request id of the extension the open dialog is sending: the same one when the proctor
 * presses 确定 again after a failure with the same entries (the first may have been made and only
 * its ack lost, `ack_timeout`: the server then answers it without extending twice), a new one for
 * other entries, after one went through (`done`) or in a new dialog (`reset`).
 */
export function createExtendRequestIds(make: () => string = newRequestId) {
  let sent: { entries: string; requestId: string } | null = null;
  return {
    /** The id for an extension with these entries (any stable text of what the proctor entered). */
    idFor(entries: string): string {
      if (sent?.entries !== entries) sent = { entries, requestId: make() };
      return sent.requestId;
    },
    /** The extension went through (or a new dialog opened): the next one is another extension. */
    reset(): void {
      sent = null;
    },
  };
}
