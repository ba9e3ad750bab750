import { expect } from "chai";
import { ApiError } from "../../../client/src/shared/api-error.js";
import { useLoad } from "../../../client/src/shared/use-load.js";

const refusal = (status: number, message: string) => new ApiError(status, { code: "x", message });

/** A page's read whose answers the test gives one at a time, in any order. */
function aHeldRead<T>() {
  const waiting: { resolve: (value: T) => void; reject: (err: unknown) => void }[] = [];
  const read = () => new Promise<T>((resolve, reject) => waiting.push({ resolve, reject }));
  return { read, waiting };
}

describe("a page's data read with its failure shown in place (client)", () => {
  it("when the read is refused, then the error says why, what was shown is taken away, and 重试 shows the data and clears the error", async () => {
    let fail = true;
    const shown: string[] = [];
    const page = useLoad(
      () => (fail ? Promise.reject(refusal(0, "无法连接服务器，请检查网络后重试")) : Promise.resolve("数据")),
      { loaded: (v) => shown.push(v), failed: () => shown.push("(cleared)") },
    );
    expect(await page.load()).to.equal(false);
    expect(page.error.value).to.equal("无法连接服务器，请检查网络后重试");
    expect(page.loading.value).to.equal(false);
    expect(shown).to.deep.equal(["(cleared)"]);
    fail = false;
    expect(await page.load()).to.equal(true);
    expect(page.error.value).to.equal(null);
    expect(shown).to.deep.equal(["(cleared)", "数据"]);
  });

  it("when a read is asked for again and the first answer arrives last, then the page shows the second", async () => {
    const held = aHeldRead<string>();
    const shown: string[] = [];
    const page = useLoad(held.read, { loaded: (v) => shown.push(v) });
    const first = page.load();
    const second = page.load();
    held.waiting[1]!.resolve("第二次");
    expect(await second).to.equal(true);
    held.waiting[0]!.resolve("第一次");
    expect(await first).to.equal(false);
    expect(shown).to.deep.equal(["第二次"]);
    expect(page.loading.value).to.equal(false);
  });

  it("when an older read fails after a newer one answered, then its failure is not shown", async () => {
    const held = aHeldRead<string>();
    let failed = 0;
    const page = useLoad(held.read, { loaded: () => undefined, failed: () => failed++ });
    const first = page.load();
    const second = page.load();
    held.waiting[1]!.resolve("新");
    await second;
    held.waiting[0]!.reject(refusal(500, "服务器错误（500），请稍后重试"));
    expect(await first).to.equal(false);
    expect(page.error.value).to.equal(null);
    expect(failed).to.equal(0);
  });

  it("when the read fails with something other than the server's refusal, then it is thrown, not shown", async () => {
    const page = useLoad(() => Promise.reject(new TypeError("bug")), { loaded: () => undefined });
    let thrown: unknown = null;
    await page.load().catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(TypeError);
    expect(page.error.value).to.equal(null);
    expect(page.loading.value).to.equal(false);
  });
});
