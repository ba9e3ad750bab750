import { expect } from "chai";
import { createStaleChunkRecovery, isStaleChunkError } from "../../../client/src/app/stale-chunks.js";

/** sessionStorage as a map, the page's reload and the notice as records. */
function aTab(now = () => 1_000_000) {
  const stored = new Map<string, string>();
  const reloads: string[] = [];
  const notices: string[] = [];
  const recovery = createStaleChunkRecovery({
    storage: {
      getItem: (k) => stored.get(k) ?? null,
      setItem: (k, v) => void stored.set(k, v),
      removeItem: (k) => void stored.delete(k),
    },
    reload: (url) => reloads.push(url),
    notify: (message) => notices.push(message),
    now,
  });
  return { stored, reloads, notices, recovery };
}

describe("a page's code gone after a redeploy (client)", () => {
  it("when a lazy page fails to load as browsers word it, then it is a stale chunk; other errors are not", () => {
    expect(
      isStaleChunkError(new TypeError("Failed to fetch dynamically imported module: /assets/a-1.js")),
    ).to.equal(true);
    expect(
      isStaleChunkError(new TypeError("error loading dynamically imported module: /assets/a.js")),
    ).to.equal(true);
    expect(isStaleChunkError(new TypeError("Importing a module script failed."))).to.equal(true);
    expect(isStaleChunkError(new Error("Unable to preload CSS for /assets/a.css"))).to.equal(true);
    expect(isStaleChunkError(new Error("会话已过期"))).to.equal(false);
    expect(isStaleChunkError("nope")).to.equal(false);
  });

  it("when a menu click meets a stale chunk, then the tab reloads once, straight to the page asked for", () => {
    const tab = aTab();
    tab.recovery.recover("/scheduling/sessions");
    expect(tab.reloads).to.deep.equal(["/scheduling/sessions"]);
    expect(tab.notices).to.deep.equal([]);
  });

  it("when the page still fails after that reload, then it does not reload again but says the system was updated", () => {
    const tab = aTab();
    tab.recovery.recover("/scheduling/sessions");
    // The reloaded tab: a new recovery over the same sessionStorage.
    const again = createStaleChunkRecovery({
      storage: {
        getItem: (k) => tab.stored.get(k) ?? null,
        setItem: (k, v) => void tab.stored.set(k, v),
        removeItem: (k) => void tab.stored.delete(k),
      },
      reload: (url) => tab.reloads.push(url),
      notify: (m) => tab.notices.push(m),
      now: () => 1_000_000 + 3_000,
    });
    again.recover("/scheduling/sessions");
    expect(tab.reloads).to.have.length(1);
    expect(tab.notices).to.deep.equal(["系统已更新，请刷新页面"]);
  });

  it("when a page loaded after the reload, then a later redeploy may reload the tab again", () => {
    const tab = aTab();
    tab.recovery.recover("/a");
    tab.recovery.loaded();
    tab.recovery.recover("/b");
    expect(tab.reloads).to.deep.equal(["/a", "/b"]);
  });
});
