/**
 * Pins `Math.random` for each test of the enclosing `describe`: the retry back-off jitters its
 * delays (shared/backoff.ts), and a test of the delays' sequence pins the jitter to a known value.
 * At 0 the jitter takes nothing off, so the delays are the full 1 s, 2 s, 4 s … 15 s.
 */
export function pinRandom(value: number): void {
  let original: () => number = Math.random;
  beforeEach(() => {
    original = Math.random;
    Math.random = () => value;
  });
  afterEach(() => {
    Math.random = original;
  });
}
