import { expect } from "chai";
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { Adapter } from "socket.io-adapter";
import { Encoder, PacketType, type Packet } from "socket.io-parser";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  candidateQuestions,
  createSharedQuestions,
  toCandidateQuestion,
} from "../../../server/exams/index.js";
import {
  ChunkedFrame,
  ChunkedFrameServer,
  textFrame,
  writesChunkedFrames,
} from "../../../server/lib/socket-frames.js";
import { PreEncodingEncoder, SplicingAdapter, socketParser } from "../../../server/lib/socket-parser.js";
import { paper, question } from "../../helpers/papers.js";

/** A text of `size` UTF-8 bytes, different for each `seed` (CJK and ASCII). */
function textOf(size: number, seed: number): string {
  const unit = `第${seed}题`;
  const units = Math.floor(size / Buffer.byteLength(unit));
  return unit.repeat(units) + String(seed % 10).repeat(size - units * Buffer.byteLength(unit));
}

/** `text` as several chunks, cut between characters. */
function chunksOf(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < text.length; at += 97) out.push(Buffer.from(text.slice(at, at + 97)));
  return out;
}

/** An http server on port 0 whose websocket upgrades go to `wss` (a `ChunkedFrameServer` unless given). */
async function wsServer(
  wss: WebSocketServer = new ChunkedFrameServer({ noServer: true }),
): Promise<{ http: HttpServer; url: string; sockets: Promise<WebSocket> }> {
  const http = createServer();
  const sockets = new Promise<WebSocket>((resolve) => {
    http.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, resolve));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return { http, url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, sockets };
}

/** A paper of `n` questions with the shared test texts. */
const paperOf = (n: number) =>
  paper(Array.from({ length: n }, (_, i) => question(`q${i}`, ["A", "B", "C", "D"])));

describe("websocket frames written from their parts", () => {
  it("when a socket of ws's own server is handed a chunked frame, then ws refuses it rather than send part of it", async () => {
    const { http, url, sockets } = await wsServer(new WebSocketServer({ noServer: true }));
    const client = new WebSocket(url);
    try {
      await once(client, "open");
      const sender = ((await sockets) as unknown as { _sender: { sendFrame(f: unknown): void } })._sender;
      expect(() => sender.sendFrame(new ChunkedFrame([Buffer.from("4x")]))).to.throw();
    } finally {
      client.terminate();
      http.close();
    }
  });

  it("when many chunked frames go out at once, small, large and beyond a scratch buffer, then each arrives whole and in order", async () => {
    // Enough bytes that the kernel's socket buffer fills and writes complete later: a scratch
    // buffer given back before its bytes were written would show as a corrupted message.
    const texts = Array.from({ length: 300 }, (_, i) =>
      textOf([0, 125, 126, 40_000, 70_000][i % 5] as number, i),
    );
    const { http, url, sockets } = await wsServer();
    const client = new WebSocket(url);
    try {
      const received: string[] = [];
      const all = new Promise<void>((resolve, reject) => {
        client.on("message", (data: RawData) => {
          received.push((data as Buffer).toString("utf8"));
          if (received.length === texts.length) resolve();
        });
        // A frame corrupted on the way fails ws's own checks (e.g. invalid UTF-8) and closes it.
        client.on("error", reject);
        client.on("close", () => reject(new Error(`closed after ${received.length} messages`)));
      });
      const server = await sockets;
      const sender = (server as unknown as { _sender: { sendFrame(f: unknown, cb?: () => void): void } })
        ._sender;
      for (const text of texts) sender.sendFrame(new ChunkedFrame(chunksOf(text)));
      await all;
      expect(received.length).to.equal(texts.length);
      for (let i = 0; i < texts.length; i += 1) expect(received[i], `message ${i}`).to.equal(texts[i]);
    } finally {
      client.terminate();
      http.close();
    }
  });

  it("when a room's paper is encoded, then the frame keeps its parts only for the chunking engine, and its bytes are the adapter's own", () => {
    const qs = candidateQuestions(createSharedQuestions().share(paperOf(3)));
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data: ["attempt:started", { questions: qs }] };
    const frameOf = (adapter: Adapter) => {
      const opts: { wsPreEncodedFrame?: unknown } = {};
      (adapter as unknown as { _encode(p: Packet, o: object): unknown[] })._encode(packet, opts);
      return opts.wsPreEncodedFrame;
    };
    const nsp = (engine: unknown) =>
      ({ server: { encoder: new PreEncodingEncoder(), engine } }) as unknown as ConstructorParameters<
        typeof Adapter
      >[0];
    const chunked = frameOf(new SplicingAdapter(nsp({ ws: new ChunkedFrameServer({ noServer: true }) })));
    const plain = frameOf(new SplicingAdapter(nsp({ ws: {} })));
    const theirs = frameOf(new Adapter({ server: { encoder: new Encoder() } } as never)) as Buffer[];
    expect(chunked).to.be.instanceOf(ChunkedFrame);
    expect(Buffer.concat(textFrame(Buffer.concat((chunked as ChunkedFrame).chunks)))).to.deep.equal(
      Buffer.concat(theirs),
    );
    expect(plain).to.be.an("array");
    expect(Buffer.concat(plain as Buffer[])).to.deep.equal(Buffer.concat(theirs));
    expect(writesChunkedFrames(undefined)).to.equal(false);
  });

  describe("a shared paper sent to a room", () => {
    let http: HttpServer;
    let server: Server;
    let url: string;
    const clients: ClientSocket[] = [];

    beforeEach(async () => {
      http = createServer();
      server = new Server(http, {
        parser: socketParser,
        adapter: SplicingAdapter,
        wsEngine: ChunkedFrameServer,
      });
      server.on("connection", (socket) => void socket.join("attempt:a1"));
      http.listen(0, "127.0.0.1");
      await once(http, "listening");
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) c.disconnect();
      await server.close();
    });

    async function joined(transports: ("websocket" | "polling")[]): Promise<ClientSocket> {
      const client = connect(url, { transports, upgrade: false, forceNew: true });
      clients.push(client);
      await new Promise<void>((resolve) => client.once("connect", resolve));
      return client;
    }

    it("when candidates on websocket and on long polling are in the room, then both get exactly the candidate's questions", async () => {
      expect(writesChunkedFrames(server)).to.equal(true);
      const onWebsocket = await joined(["websocket"]);
      const onPolling = await joined(["polling"]);
      // Every socket has joined before the room is sent to.
      while ((await server.in("attempt:a1").fetchSockets()).length < 2)
        await new Promise((r) => setTimeout(r, 5));
      const p = paperOf(120);
      const got = [onWebsocket, onPolling].map(
        (c) => new Promise<unknown>((resolve) => c.once("attempt:started", resolve)),
      );
      const qs = candidateQuestions(createSharedQuestions().share(p));
      server.to("attempt:a1").emit("attempt:started", { attemptId: "a1", questions: qs, name: "张三" });
      const expected = { attemptId: "a1", questions: p.questions.map(toCandidateQuestion), name: "张三" };
      for (const payload of await Promise.all(got)) expect(payload).to.deep.equal(expected);
    });
  });
});
