// Small writes (PUBACKs) straight to a plain TCP socket's libuv handle. net.Socket#write runs the Writable
// machinery per call (writeOrBuffer, writeGeneric, a write request object, onwrite, afterWrite on a
// nextTick) around the one `write` syscall that a 4-byte PUBACK needs; one PUBACK goes out per reading.
// This uses Node's internal stream binding (what net.Socket itself calls); where it is not available, or
// for anything but a plain TCP socket (TLS, WebSocket), the caller writes through the stream as before.
import { Socket } from "node:net";
import type { Duplex } from "node:stream";

interface WriteRequest {
  handle: unknown;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: unknown;
  /** The socket, for a write that completes later and fails. */
  socket: Socket | undefined;
}
interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}
interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}

function loadBinding(): StreamWrapBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): StreamWrapBinding }).binding(
      "stream_wrap",
    );
    return typeof binding.WriteWrap === "function" && binding.streamBaseState instanceof Int32Array
      ? binding
      : undefined;
  } catch {
    return undefined; // e.g. --pending-deprecation with --throw-deprecation
  }
}

const streamWrap = loadBinding();

function completed(this: WriteRequest, status: number): void {
  const socket = this.socket;
  this.socket = undefined;
  this.buffer = null;
  if (status < 0) socket?.destroy(new Error(`socket write failed (libuv status ${status})`));
}

function writeRequest(binding: StreamWrapBinding): WriteRequest {
  const request = new binding.WriteWrap();
  request.handle = undefined;
  request.oncomplete = completed;
  request.async = false;
  request.bytes = 0;
  request.buffer = null;
  request.socket = undefined;
  return request;
}

/** One request serves every write that completes at once (libuv made no native request for it); a
 * write that has to wait keeps it, and the next write takes a new one. */
let spare = streamWrap === undefined ? undefined : writeRequest(streamWrap);

/** Writes `bytes` to `stream`'s handle when it is a plain TCP socket with nothing queued in its Writable
 * (libuv keeps a socket's writes in order, so a direct write may not pass bytes the Writable holds);
 * false when it did not, and the caller writes through the stream. A failed write destroys the socket. */
export function writeToHandle(stream: Duplex, bytes: Buffer): boolean {
  if (streamWrap === undefined || stream.constructor !== Socket) return false;
  const socket = stream as Socket;
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (handle === null || socket.writableLength > 0 || socket.connecting) return false;
  const request = spare!;
  request.handle = handle;
  request.buffer = bytes; // referenced until a waiting write completes
  request.socket = socket;
  const status = handle.writeBuffer(request, bytes);
  if (status !== 0) {
    request.buffer = null;
    request.socket = undefined;
    socket.destroy(new Error(`socket write failed (libuv status ${status})`));
    return true;
  }
  if (streamWrap.streamBaseState[streamWrap.kLastWriteWasAsync] !== 0) spare = writeRequest(streamWrap);
  else {
    request.buffer = null;
    request.socket = undefined;
  }
  return true;
}
