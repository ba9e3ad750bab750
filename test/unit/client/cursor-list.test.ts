import { expect } from "chai";
import { useCursorList } from "../../../client/src/shared/cursor-list.js";

/**
 * A server list of `count` rows per filter, newest first, `size` a page, cursors as row numbers;
 * a read of a filter in `failing` is refused (as a server error or a lost connection is).
 */
function aServer(count: number, size: number) {
  const asked: { filter: string; before: string | undefined }[] = [];
  const failing = new Set<string>();
  const read = ({ filter, before }: { filter: string; before?: string }) => {
    asked.push({ filter, before });
    if (failing.has(filter)) return Promise.reject(new Error("服务器错误（500），请稍后重试"));
    const start = before ? Number(before) : 0;
    const rows = Array.from({ length: Math.min(size, count - start) }, (_, i) => `${filter}-${start + i}`);
    const end = start + rows.length;
    return Promise.resolve({ rows, total: count, next: end < count ? String(end) : null });
  };
  return { read, asked, failing };
}

describe("a list read a page at a time (client)", () => {
  it("when the filter is changed but not searched and 加载更多 is pressed, then the next page is of the filter the rows were read with", async () => {
    const server = aServer(5, 2);
    let filter = "a";
    const list = useCursorList(server.read, "rows", () => ({ filter }));
    await list.reload();
    filter = "b";
    await list.loadMore();
    expect(list.rows.value).to.deep.equal(["a-0", "a-1", "a-2", "a-3"]);
    expect(server.asked.at(-1)).to.deep.equal({ filter: "a", before: "2" });
    await list.reload();
    expect(list.rows.value).to.deep.equal(["b-0", "b-1"]);
  });

  it("when the last page is in, then there is no next and 加载更多 asks nothing more", async () => {
    const server = aServer(3, 2);
    const list = useCursorList(server.read, "rows", () => ({ filter: "a" }));
    await list.reload();
    await list.loadMore();
    expect(list.next.value).to.equal(null);
    const asked = server.asked.length;
    await list.loadMore();
    expect(server.asked.length).to.equal(asked);
    expect(list.rows.value).to.have.length(3);
  });

  it("when 加载更多 is triggered twice before the page answers, then the page is asked for once and appended once", async () => {
    const server = aServer(6, 2);
    const list = useCursorList(server.read, "rows", () => ({ filter: "a" }));
    await list.reload();
    const asked = server.asked.length;
    await Promise.all([list.loadMore(), list.loadMore()]);
    expect(server.asked.length).to.equal(asked + 1);
    expect(list.rows.value).to.deep.equal(["a-0", "a-1", "a-2", "a-3"]);
  });

  it("when the second click of a double click on 加载更多 arrives after the page has answered, then no further page is asked for", async () => {
    const server = aServer(8, 2);
    const list = useCursorList(server.read, "rows", () => ({ filter: "a" }));
    await list.reload();
    await list.loadMore({ detail: 1 });
    await list.loadMore({ detail: 2 });
    expect(server.asked.map((a) => a.before)).to.deep.equal([undefined, "2"]);
    expect(list.rows.value).to.deep.equal(["a-0", "a-1", "a-2", "a-3"]);
    // A later single click, or a press from the keyboard (detail 0), reads on.
    await list.loadMore({ detail: 0 });
    await list.loadMore();
    expect(server.asked.map((a) => a.before)).to.deep.equal([undefined, "2", "4", "6"]);
  });

  it("when 加载更多 is triggered while the first page is on its way, then nothing more is asked for", async () => {
    const server = aServer(6, 2);
    const list = useCursorList(server.read, "rows", () => ({ filter: "a" }));
    await list.reload();
    const first = list.reload();
    await list.loadMore();
    await first;
    expect(server.asked.map((a) => a.before)).to.deep.equal([undefined, undefined]);
    expect(list.rows.value).to.deep.equal(["a-0", "a-1"]);
  });

  it("when a later page answers a row already shown (moved between two reads), then it is listed once, refreshed where it stands", async () => {
    const pages: Record<string, { id: string; v: number }[]> = {
      first: [
        { id: "s1", v: 1 },
        { id: "s2", v: 1 },
      ],
      "2": [
        { id: "s2", v: 2 },
        { id: "s3", v: 1 },
      ],
    };
    const read = ({ before }: { before?: string }) =>
      Promise.resolve({ sessions: pages[before ?? "first"] ?? [], total: 3, next: before ? null : "2" });
    const list = useCursorList(read, "sessions", () => ({}));
    await list.reload();
    await list.loadMore();
    expect(list.rows.value).to.deep.equal([
      { id: "s1", v: 1 },
      { id: "s2", v: 2 },
      { id: "s3", v: 1 },
    ]);
  });

  it("when a row is dropped, then it leaves the rows shown and the total counts one fewer", async () => {
    const list = useCursorList(aServer(5, 2).read, "rows", () => ({ filter: "a" }));
    await list.reload();
    list.drop((row) => row === "a-1");
    expect(list.rows.value).to.deep.equal(["a-0"]);
    expect(list.total.value).to.equal(4);
    list.drop((row) => row === "missing");
    expect(list.total.value).to.equal(4);
  });

  it("when the filter changes twice and the first answer arrives last, then the rows are the second filter's", async () => {
    const answers = new Map<string, (page: { rows: string[]; total: number; next: string | null }) => void>();
    const read = ({ filter }: { filter: string }) =>
      new Promise<{ rows: string[]; total: number; next: string | null }>((resolve) =>
        answers.set(filter, resolve),
      );
    let filter = "a";
    const list = useCursorList(read, "rows", () => ({ filter }));
    const first = list.reload();
    filter = "b";
    const second = list.reload();
    answers.get("b")!({ rows: ["b-0"], total: 1, next: null });
    await second;
    answers.get("a")!({ rows: ["a-0", "a-1"], total: 9, next: "2" });
    await first;
    expect(list.rows.value).to.deep.equal(["b-0"]);
    expect(list.total.value).to.equal(1);
    expect(list.next.value).to.equal(null);
    expect(list.loading.value).to.equal(false);
  });

  it("when the first page under a new filter fails, then the old filter's rows are gone, the error says why and 加载更多 asks nothing", async () => {
    const server = aServer(5, 2);
    let filter = "a";
    const list = useCursorList(server.read, "rows", () => ({ filter }));
    await list.reload();
    filter = "b";
    server.failing.add("b");
    await list.reload();
    expect(list.rows.value).to.deep.equal([]);
    expect(list.total.value).to.equal(0);
    expect(list.next.value).to.equal(null);
    expect(list.error.value).to.equal("服务器错误（500），请稍后重试");
    expect(list.loading.value).to.equal(false);
    const asked = server.asked.length;
    await list.loadMore();
    expect(server.asked.length).to.equal(asked);
  });

  it("when a failed first page is asked for again and answers, then the error clears and the next page is of the new filter", async () => {
    const server = aServer(5, 2);
    let filter = "a";
    const list = useCursorList(server.read, "rows", () => ({ filter }));
    await list.reload();
    filter = "b";
    server.failing.add("b");
    await list.reload();
    server.failing.delete("b");
    await list.reload();
    expect(list.error.value).to.equal(null);
    await list.loadMore();
    expect(list.rows.value).to.deep.equal(["b-0", "b-1", "b-2", "b-3"]);
    expect(server.asked.at(-1)).to.deep.equal({ filter: "b", before: "2" });
  });

  it("when a later page fails, then the rows and the cursor stay so 加载更多 can ask again, and the failure reaches the caller", async () => {
    const server = aServer(5, 2);
    const list = useCursorList(server.read, "rows", () => ({ filter: "a" }));
    await list.reload();
    server.failing.add("a");
    let refused: unknown = null;
    await list.loadMore().catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(Error);
    expect(list.rows.value).to.deep.equal(["a-0", "a-1"]);
    expect(list.next.value).to.equal("2");
    expect(list.error.value).to.equal(null);
    expect(list.loading.value).to.equal(false);
    server.failing.delete("a");
    await list.loadMore();
    expect(list.rows.value).to.deep.equal(["a-0", "a-1", "a-2", "a-3"]);
  });
});
