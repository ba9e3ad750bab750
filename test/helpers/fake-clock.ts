/**
 * A clock a unit test moves by hand: `sleep` resolves once `advance` passes its time, and between
 * wake-ups the promises waiting on it run (a `setImmediate` turn), so a loop driven by `sleep`
 * runs as it would on a real timer, without the test waiting.
 */
export function aFakeClock() {
  let now = 0;
  let timers: { at: number; resolve: () => void }[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    /** Timers not yet due (a loop waiting to retry holds one). */
    pending: () => timers.length,
    /** Moves the clock on to `until`, waking each sleep at its time and letting the code run on. */
    async advance(until: number): Promise<void> {
      await settle();
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.resolve();
        await settle();
      }
      now = until;
    },
  };
}
