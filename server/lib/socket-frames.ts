import type { Socket } from "node:net";
import { WebSocket, WebSocketServer, type ServerOptions } from "ws";

/**
 * Websocket frames whose payload is written from its parts (issue 17, the paper burst at release).
 *
 * A paper's frame used to be one new 24 KB buffer per candidate, filled from the shared questions'
 * bytes. In the release burst those buffers were a tenth of the exam node's CPU: memory touched for
 * the first time costs a page fault per 4 KB on this machine kind (15 µs each), and 5,000 of them
 * at once are external memory that brings major GCs forward. A `ChunkedFrame` keeps the parts;
 * the sockets of `ChunkedFrameServer` copy them into a scratch buffer taken from a small pool and
 * given back once the socket has handed the bytes to the kernel, so the burst reuses the same few
 * buffers. The bytes on the wire are what ws itself writes for the same payload (tested).
 */

/** A final, unmasked text frame (RFC 6455 §5.2) whose payload is `chunks`, in order. */
export class ChunkedFrame {
  readonly header: Buffer;
  readonly size: number;
  constructor(readonly chunks: readonly Uint8Array[]) {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    this.size = size;
    this.header = textFrameHeader(size);
  }
}

/**
 * RFC 6455 §5.2: FIN and opcode 1 (text), no mask (a server's frames are never masked), then the
 * payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits, big-endian.
 */
export function textFrameHeader(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid payload length ${size}`);
  if (size < 126) return Buffer.from([0x81, size]);
  if (size < 0x10000) {
    const header = Buffer.from([0x81, 126, 0, 0]);
    header.writeUInt16BE(size, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(size), 2);
  return header;
}

/** Scratch buffers of one size; frames larger than that get a buffer of their own. */
const SCRATCH_BYTES = 64 * 1024;
/** Free buffers kept: the burst writes synchronously, so a few are in use at any time. */
const SCRATCH_KEPT = 32;
const free: Buffer[] = [];

function take(size: number): Buffer {
  if (size > SCRATCH_BYTES) return Buffer.allocUnsafeSlow(size);
  return free.pop() ?? Buffer.allocUnsafeSlow(SCRATCH_BYTES);
}

function giveBack(scratch: Buffer): void {
  if (scratch.length === SCRATCH_BYTES && free.length < SCRATCH_KEPT) free.push(scratch);
}

/** What engine.io's websocket transport calls to write a pre-encoded frame (ws's `Sender#sendFrame`). */
type SendFrame = (frame: unknown, cb?: (err?: Error) => void) => void;

/**
 * Writes `frame` to `socket` as one header and one payload buffer, the payload copied into a
 * scratch buffer that goes back to the pool when the socket calls back: by then the bytes are the
 * kernel's (or the write failed and they will never be sent), so nothing still reads it.
 */
function writeChunked(socket: Socket, frame: ChunkedFrame, cb?: (err?: Error) => void): void {
  const scratch = take(frame.size);
  let at = 0;
  for (const chunk of frame.chunks) {
    scratch.set(chunk, at);
    at += chunk.length;
  }
  socket.cork();
  socket.write(frame.header);
  socket.write(scratch.subarray(0, at), (err) => {
    giveBack(scratch);
    cb?.(err ?? undefined);
  });
  socket.uncork();
}

/** ws's WebSocket whose sender also writes `ChunkedFrame`s; every other frame is ws's own write. */
class ChunkedFrameSocket extends WebSocket {
  setSocket(socket: Socket, head: Buffer, options: object): void {
    // ws's own setSocket (not in @types/ws) makes the sender engine.io writes frames through.
    (WebSocket.prototype as unknown as { setSocket(...a: unknown[]): void }).setSocket.call(
      this,
      socket,
      head,
      options,
    );
    const sender = (this as unknown as { _sender: { sendFrame: SendFrame } })._sender;
    const own = sender.sendFrame.bind(sender);
    sender.sendFrame = (frame, cb) => {
      if (frame instanceof ChunkedFrame) writeChunked(socket, frame, cb);
      else own(frame, cb);
    };
  }
}

/**
 * The `wsEngine` of the node's engine.io server: ws's server, its sockets able to write
 * `ChunkedFrame`s. Frames of that kind are made only for a server using this engine
 * (`writesChunkedFrames`); ws's own sender would refuse one (it is not a list of buffers).
 */
export class ChunkedFrameServer extends WebSocketServer {
  constructor(options: ServerOptions, callback?: () => void) {
    super({ ...options, WebSocket: ChunkedFrameSocket }, callback);
  }
}

/** Whether the engine.io server behind `server` writes `ChunkedFrame`s (uses `ChunkedFrameServer`). */
export function writesChunkedFrames(server: unknown): boolean {
  const engine = (server as { engine?: { ws?: unknown } } | undefined)?.engine;
  return engine?.ws instanceof ChunkedFrameServer;
}
