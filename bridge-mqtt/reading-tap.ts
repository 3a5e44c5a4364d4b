// A logged-in device's QoS 1 readings, taken from its connection before aedes parses them (README.md,
// Pipeline). aedes costs per PUBLISH a parse through mqtt-packet (a BufferList copy, dozens of
// `debug` calls), its handler chain with a setImmediate per packet, a PUBACK generated and written
// in two corked chunks, and the packet objects: ~25% of the bridge's main thread and a third of its
// garbage at 3,000 readings/s. What a device publishes on its own readings topic at QoS 1 is all
// the bridge ever does with a reading, so the tap reads those frames itself, hands each payload to
// the pipeline and writes the 4-byte PUBACK. Every other packet (PINGREQ, SUBSCRIBE, DISCONNECT, QoS
// 0 or 2, another topic: refused by aedes' ACL as before) still reaches aedes, in order.
//
// The tap sits in the stream's own `push`, inside the packet-size guard (packet-limit.ts), which has
// seen and bounded every chunk before this: a frame split across reads is kept here until complete
// (at most MAX_MQTT_PACKET_BYTES). It is off (one check per chunk) until `start`, which the broker
// calls once aedes has accepted the device's CONNECT: before that, everything goes to aedes.
import type { Duplex } from "node:stream";
import { writeToHandle } from "./socket-write.ts";

/** Readings one connection may have handed to the pipeline and not yet acknowledged. Past it the
 * tap stops reading the socket (TCP pushes back on the device) until PUBACKs go out. aedes read a
 * connection's next chunk only once every packet of the last was done, so a flooding device had at
 * most one read's worth in flight; a device at 1 Hz has one, one sending what it buffered through
 * an outage as many as its client's window (paced by round trips past this). */
export const MAX_READINGS_IN_FLIGHT_PER_CONNECTION = 64;
/** Readings all connections together may have in the pipeline (1 s of the 10,000-device target).
 * Past it every tap stops reading its socket until the pipeline is below it again, so a node that
 * falls behind leaves the backlog in the kernel's socket buffers, as aedes' per-connection reading
 * did, instead of in its heap, and stays under the pipeline's own bounds (MAX_PENDING_READINGS,
 * MAX_QUEUED_DEVICE_VERIFICATIONS: 20,000), past which it would refuse readings and disconnect. */
export const MAX_READINGS_IN_FLIGHT = 10_000;
/** A stopped tap reads again once its (or the shared) in-flight count is this share of the bound
 * below it, not at the first PUBACK: each stop and start is a syscall, and a flooding device would
 * otherwise pay both per reading. */
const RESUME_BELOW = 0.5;

/** What the taps of one broker share: the readings in flight across all connections, and the taps
 * waiting for room. */
export class TapGate {
  readonly limit: number;
  inFlight = 0;
  readonly #waiting = new Set<ConnectionTap>();

  constructor(limit = MAX_READINGS_IN_FLIGHT) {
    this.limit = limit;
  }

  get full(): boolean {
    return this.inFlight >= this.limit;
  }

  /** Calls `tap.resume()` once when there is room again. */
  wait(tap: ConnectionTap): void {
    this.#waiting.add(tap);
  }

  /** Whether waiting taps may read again. */
  get roomy(): boolean {
    return this.inFlight <= this.limit * RESUME_BELOW;
  }

  release(): void {
    this.inFlight--;
    if (this.#waiting.size === 0 || !this.roomy) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const tap of waiting) tap.resume();
  }
}

/** PUBLISH (MQTT 3.1.1 §3.3.1): packet type 3 in the high nibble, QoS in bits 1-2. */
const PUBLISH_TYPE = 3;
const QOS_1 = 1;
/** PUBACK: type 4, remaining length 2, then the packet id. */
const PUBACK_FIRST_BYTE = 0x40;
const EMPTY = Buffer.alloc(0);

/** Ends one reading: no error sends its PUBACK; an error closes the connection without one. */
export type ReadingDone = (error?: Error) => void;
export type ReadingHandler = (payload: Uint8Array, done: ReadingDone) => void;

export interface ReadingTap {
  /** From now on, takes QoS 1 publishes to `topic` (the device's readings topic) into `handle`. */
  start(topic: string, handle: ReadingHandler, onFailure: (error: Error) => void): void;
  /** Readings handed to the handler and not yet done. */
  readonly inFlight: number;
}

/** Where a tapped stream keeps its tap (one object per connection, no closures: at 10,000 devices
 * every byte a connection holds is 10 KB of heap). */
const TAP = Symbol("readingTap");
type TappedStream = Duplex & { [TAP]: ConnectionTap };

/** Installs the tap in `stream.push`; install it before the packet-size guard, which must see every
 * chunk first. */
export function tapReadings(stream: Duplex, gate: TapGate = new TapGate()): ReadingTap {
  const tap = new ConnectionTap(stream, gate);
  (stream as TappedStream)[TAP] = tap;
  stream.push = tappedPush;
  return tap;
}

/** `stream.push` of every tapped stream: its tap's `push`. */
function tappedPush(this: TappedStream, chunk: unknown, encoding?: BufferEncoding): boolean {
  return this[TAP].push(chunk, encoding);
}

/** One connection's tap: its state and the stream's own push, which it calls for aedes' bytes. */
class ConnectionTap implements ReadingTap {
  readonly #stream: Duplex;
  readonly #push: Duplex["push"];
  readonly #gate: TapGate;
  #topic: Buffer | undefined;
  #handle: ReadingHandler | undefined;
  #onFailure: ((error: Error) => void) | undefined;
  /** The start of a frame that has not fully arrived yet. */
  #partial: Buffer | undefined;
  #inFlight = 0;
  /** Readings taken so far, and the first of them whose PUBACK has not been written: PUBACKs go out in
   * the order the PUBLISHes came (MQTT 3.1.1 §4.6), although a reading refused early (a replay) is done
   * before an earlier one that waits for its group commit. */
  #taken = 0;
  #acked = 0;
  /** Packet ids of readings done before an earlier one of this connection, by their order; only while
   * there are any (a device at 1 Hz never has one). */
  #early: Map<number, number> | undefined;
  /** Whether the last push told the socket to stop reading because of an in-flight bound. */
  #held = false;

  constructor(stream: Duplex, gate: TapGate) {
    this.#stream = stream;
    this.#push = stream.push;
    this.#gate = gate;
  }

  start(readingsTopic: string, handler: ReadingHandler, failure: (error: Error) => void): void {
    this.#topic = Buffer.from(readingsTopic, "utf8");
    this.#handle = handler;
    this.#onFailure = failure;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Reads the socket again after an in-flight bound stopped it, once both bounds have room. */
  resume(): void {
    if (!this.#held || this.#stream.destroyed) return;
    if (this.#inFlight > MAX_READINGS_IN_FLIGHT_PER_CONNECTION * RESUME_BELOW) return; // its own PUBACKs resume it
    if (!this.#gate.roomy) {
      this.#gate.wait(this);
      return;
    }
    this.#held = false;
    this.#stream.read(0); // starts reading the socket again
  }

  /** One reading is done: its PUBACK (no error) once every earlier reading's has gone, or the
   * connection's failure. */
  #finish(ordinal: number, packetId: number, error: Error | undefined): void {
    this.#inFlight--;
    this.#gate.release();
    if (error !== undefined) {
      this.#onFailure!(error);
      return;
    }
    if (ordinal !== this.#acked) {
      (this.#early ??= new Map()).set(ordinal, packetId);
      this.resume();
      return;
    }
    this.#acknowledge(packetId);
    const early = this.#early;
    if (early !== undefined) {
      for (let next = early.get(this.#acked); next !== undefined; next = early.get(this.#acked)) {
        early.delete(this.#acked);
        this.#acknowledge(next);
      }
      if (early.size === 0) this.#early = undefined;
    }
    this.resume();
  }

  #acknowledge(packetId: number): void {
    this.#acked++;
    const stream = this.#stream;
    if (stream.destroyed || !stream.writable) return;
    const ack = Buffer.allocUnsafe(4);
    ack[0] = PUBACK_FIRST_BYTE;
    ack[1] = 2;
    ack[2] = packetId >>> 8;
    ack[3] = packetId & 0xff;
    if (!writeToHandle(stream, ack)) stream.write(ack);
  }

  #forward(bytes: Uint8Array): boolean {
    return this.#push.call(this.#stream, bytes);
  }

  /** Takes the frame data[at..end) (after its fixed header) when it is one of this device's QoS 1
   * readings; false to leave it to aedes. */
  #take(data: Buffer, first: number, at: number, end: number): boolean {
    if (first >> 4 !== PUBLISH_TYPE || ((first >> 1) & 3) !== QOS_1) return false;
    const topicBytes = this.#topic!;
    const idAt = at + 2 + topicBytes.length;
    if (idAt + 2 > end || data.readUInt16BE(at) !== topicBytes.length) return false;
    // A loop, not Buffer#compare: with offsets that makes views of both sides per reading.
    for (let i = 0; i < topicBytes.length; i++) if (data[at + 2 + i] !== topicBytes[i]) return false;
    const packetId = data.readUInt16BE(idAt);
    if (packetId === 0) return false; // malformed: aedes answers it as before
    this.#inFlight++;
    this.#gate.inFlight++;
    const ordinal = this.#taken++;
    let called = false;
    this.#handle!(data.subarray(idAt + 2, end), (error) => {
      if (called) return;
      called = true;
      this.#finish(ordinal, packetId, error);
    });
    return true;
  }

  push(chunk: unknown, encoding?: BufferEncoding): boolean {
    const stream = this.#stream;
    if (this.#topic === undefined || !(chunk instanceof Uint8Array))
      return this.#push.call(stream, chunk, encoding);
    const partial = this.#partial;
    const data =
      partial === undefined
        ? Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([partial, chunk]);
    this.#partial = undefined;
    let offset = 0;
    /** Where the run of frames for aedes not yet pushed starts (-1: none). */
    let runStart = -1;
    let reading = true;
    let forwarded = false;
    while (offset < data.length) {
      // Fixed header: the type byte, then 1-4 bytes of remaining length (the guard refused more).
      let length = 0;
      let multiplier = 1;
      let at = offset + 1;
      let complete = false;
      while (at < data.length) {
        const byte = data[at++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      const end = at + length;
      if (!complete || end > data.length) break;
      if (this.#take(data, data[offset]!, at, end)) {
        if (runStart >= 0) {
          reading = this.#forward(data.subarray(runStart, offset)) && reading;
          forwarded = true;
        }
        runStart = -1;
      } else if (runStart < 0) runStart = offset;
      offset = end;
    }
    if (runStart >= 0) {
      reading = this.#forward(data.subarray(runStart, offset)) && reading;
      forwarded = true;
    }
    // Copied: a frame's start may sit at the end of a large read, which must not stay referenced.
    if (offset < data.length) this.#partial = Buffer.from(data.subarray(offset));
    const full = this.#inFlight >= MAX_READINGS_IN_FLIGHT_PER_CONNECTION;
    if (!full && !this.#gate.full) return reading;
    // Stopping the socket: a chunk with nothing for aedes still pushes (empty) to end the stream's
    // read in progress, so that read(0) can start the next one (resume). Only then: an empty push
    // costs the stream's machinery and a nextTick, and a chunk of readings needs none to go on.
    if (!forwarded) this.#push.call(stream, EMPTY);
    this.#held = true;
    if (!full) this.#gate.wait(this);
    return false;
  }
}
