const SEAT_KEY = "roadcert.seatToken";

/**
 * The exam-room seat this computer is bound to. A proctor provisions a kiosk once by opening
 * `/login?as=candidate#seat=<seat token>` on it (in the fragment: never sent to the server, so never
 * in its request log; the login page saves it and takes it out of the address bar); candidate logins from it then carry the token, so
 * the server can refuse a login from outside the session's room (see CandidateLoginBody).
 */
export function kioskSeatToken(): string | null {
  try {
    return localStorage.getItem(SEAT_KEY);
  } catch {
    return null;
  }
}

/** Binds this computer to a seat (token from the proctor's seat list). */
export function bindKioskSeat(token: string): void {
  try {
    localStorage.setItem(SEAT_KEY, token);
  } catch {
    // Without storage the token still works for this page through the login URL.
  }
}
