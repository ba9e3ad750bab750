import { expect } from "chai";
import { effectScope } from "vue";
import { useLoginWait, type WaitTimers } from "../../../client/src/app/login-wait.js";

const SERVER_MESSAGE = "登录请求过于频繁，请稍后再试";
const refusal = (details: unknown) => ({ message: SERVER_MESSAGE, details });

/** Timers a test moves by hand: `advance(ms)` runs each timer due on the way, at its time. */
function aManualClock() {
  let now = 0;
  let nextId = 1;
  let timers: { id: number; at: number; run: () => void }[] = [];
  const api: WaitTimers = {
    now: () => now,
    setTimeout: (run, ms) => {
      const id = nextId++;
      timers.push({ id, at: now + ms, run });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  return {
    api,
    pending: () => timers.length,
    advance(ms: number): void {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.run();
      }
      now = until;
    },
  };
}

describe("the login card's wait after too many attempts (client)", () => {
  it("when the server asks for 3 seconds, then the card counts 3, 2, 1 down each second and then clears", () => {
    const clock = aManualClock();
    const wait = useLoginWait(clock.api);
    wait.start(refusal({ retryAfterSeconds: 3 }));
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 3 秒后再试");
    expect(wait.waiting.value).to.equal(true);
    clock.advance(1000);
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 2 秒后再试");
    clock.advance(1000);
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 1 秒后再试");
    expect(wait.waiting.value).to.equal(true);
    clock.advance(1000);
    // At 0 the wait is over: the text goes and the buttons come back on.
    expect(wait.text.value).to.equal(null);
    expect(wait.waiting.value).to.equal(false);
    expect(clock.pending()).to.equal(0);
  });

  it("when the page's timers fire late (a tab in the background), then the count follows the clock, not the ticks", () => {
    const clock = aManualClock();
    const wait = useLoginWait(clock.api);
    wait.start(refusal({ retryAfterSeconds: 30 }));
    // A throttled tab: one tick arrives 20 seconds on.
    const realNow = clock.api.now;
    let skew = 0;
    clock.api.now = () => realNow() + skew;
    skew = 19_000;
    clock.advance(1000);
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 10 秒后再试");
  });

  it("when the wait is two minutes or more, then it is said in minutes, and in seconds once under two minutes", () => {
    const clock = aManualClock();
    const wait = useLoginWait(clock.api);
    wait.start(refusal({ retryAfterSeconds: 150 }));
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 3 分钟后再试");
    clock.advance(31_000);
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 119 秒后再试");
  });

  it("when the refusal does not say how long, then the server's message stays and the buttons stay on", () => {
    const clock = aManualClock();
    const wait = useLoginWait(clock.api);
    wait.start(refusal({}));
    expect(wait.text.value).to.equal(SERVER_MESSAGE);
    expect(wait.waiting.value).to.equal(false);
    expect(clock.pending()).to.equal(0);
  });

  it("when a second refusal arrives during a wait, then the count starts over from the new wait with one timer", () => {
    const clock = aManualClock();
    const wait = useLoginWait(clock.api);
    wait.start(refusal({ retryAfterSeconds: 5 }));
    clock.advance(2000);
    wait.start(refusal({ retryAfterSeconds: 10 }));
    expect(wait.text.value).to.equal("登录尝试过于频繁，请 10 秒后再试");
    expect(clock.pending()).to.equal(1);
  });

  it("when the login page is left during a wait, then its timer is stopped", () => {
    const clock = aManualClock();
    const scope = effectScope();
    const wait = scope.run(() => useLoginWait(clock.api));
    wait?.start(refusal({ retryAfterSeconds: 30 }));
    expect(clock.pending()).to.equal(1);
    scope.stop();
    expect(clock.pending()).to.equal(0);
    expect(wait?.waiting.value).to.equal(false);
  });
});
