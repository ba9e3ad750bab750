const SEAT_KEY = "roadcert.seatToken";

/** The part of Web Storage the seat binding uses (the browser's localStorage; tests pass their own). */
export interface SeatStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The browser's localStorage, or null where there is none or reading it throws (storage disabled). */
function browserStorage(): SeatStorage | null {
  try {
    return (globalThis as { localStorage?: SeatStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * The exam-room seat this computer is bound to. A proctor provisions a kiosk once by opening
 * `/login?as=candidate#seat=<seat token>` on it (in the fragment: never sent to the server, so never
 * in its request log; the login page saves it and takes it out of the address bar); candidate logins from it then carry the token, so
 * the server can refuse a login from outside the session's room (see CandidateLoginBody).
 */
export function kioskSeatToken(storage: SeatStorage | null = browserStorage()): string | null {
  try {
    return storage?.getItem(SEAT_KEY) ?? null;
  } catch {
    return null;
  }
}

/**
 * Binds this computer to a seat (token from the proctor's seat list); false when storage refused
 * it. Then the previous seat's token is removed too (removing needs no quota): the login page takes
 * the new token out of the address, so after a reload the old seat's token came back and the
 * computer logged candidates in as the seat it had been rebound away from.
 */
export function bindKioskSeat(token: string, storage: SeatStorage | null = browserStorage()): boolean {
  try {
    if (!storage) return false;
    storage.setItem(SEAT_KEY, token);
    return true;
  } catch {
    try {
      storage?.removeItem(SEAT_KEY);
    } catch {
      // Nothing stored can be read back either (kioskSeatToken returns null).
    }
    return false;
  }
}

/**
 * The seat token a login from this page carries, given the one the address brought (null: none):
 * the address's token wins, bound first so a reload keeps it; else the one stored. Without storage
 * the address's token still serves this page until it is left.
 */
export function seatTokenForLogin(
  fromAddress: string | null,
  storage: SeatStorage | null = browserStorage(),
): string | null {
  if (!fromAddress) return kioskSeatToken(storage);
  bindKioskSeat(fromAddress, storage);
  return fromAddress;
}
