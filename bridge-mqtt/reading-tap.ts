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
  readonly #waiting = new Set<() => void>();

  constructor(limit = MAX_READINGS_IN_FLIGHT) {
    this.limit = limit;
  }

  get full(): boolean {
    return this.inFlight >= this.limit;
  }

  /** Calls `resume` once when there is room again. */
  wait(resume: () => void): void {
    this.#waiting.add(resume);
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
    for (const resume of waiting) resume();
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

/** Installs the tap in `stream.push`; install it before the packet-size guard, which must see every
 * chunk first. */
export function tapReadings(stream: Duplex, gate: TapGate = new TapGate()): ReadingTap {
  const push = stream.push;
  let topic: Buffer | undefined;
  let handle: ReadingHandler | undefined;
  let onFailure: ((error: Error) => void) | undefined;
  /** The start of a frame that has not fully arrived yet. */
  let partial: Buffer | undefined;
  let inFlight = 0;
  /** Whether the last push told the socket to stop reading because of an in-flight bound. */
  let held = false;
  const resume = () => {
    if (!held || stream.destroyed) return;
    if (inFlight > MAX_READINGS_IN_FLIGHT_PER_CONNECTION * RESUME_BELOW) return; // its own PUBACKs resume it
    if (!gate.roomy) return gate.wait(resume);
    held = false;
    stream.read(0); // starts reading the socket again
  };

  const forward = (bytes: Uint8Array): boolean => push.call(stream, bytes);

  const finish = (packetId: number): ReadingDone => {
    let called = false;
    return (error) => {
      if (called) return;
      called = true;
      inFlight--;
      gate.release();
      if (error !== undefined) return onFailure!(error);
      if (stream.destroyed || !stream.writable) return;
      const ack = Buffer.allocUnsafe(4);
      ack[0] = PUBACK_FIRST_BYTE;
      ack[1] = 2;
      ack.writeUInt16BE(packetId, 2);
      stream.write(ack);
      resume();
    };
  };

  /** Takes the frame data[at..end) (after its fixed header) when it is one of this device's QoS 1
   * readings; false to leave it to aedes. */
  const take = (data: Buffer, first: number, at: number, end: number): boolean => {
    if (first >> 4 !== PUBLISH_TYPE || ((first >> 1) & 3) !== QOS_1) return false;
    const topicBytes = topic!;
    const idAt = at + 2 + topicBytes.length;
    if (idAt + 2 > end || data.readUInt16BE(at) !== topicBytes.length) return false;
    // A loop, not Buffer#compare: with offsets that makes views of both sides per reading.
    for (let i = 0; i < topicBytes.length; i++) if (data[at + 2 + i] !== topicBytes[i]) return false;
    const packetId = data.readUInt16BE(idAt);
    if (packetId === 0) return false; // malformed: aedes answers it as before
    inFlight++;
    gate.inFlight++;
    handle!(data.subarray(idAt + 2, end), finish(packetId));
    return true;
  };

  stream.push = function tappedPush(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (topic === undefined || !(chunk instanceof Uint8Array)) return push.call(stream, chunk, encoding);
    const data =
      partial === undefined
        ? Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([partial, chunk]);
    partial = undefined;
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
      if (take(data, data[offset]!, at, end)) {
        if (runStart >= 0) {
          reading = forward(data.subarray(runStart, offset)) && reading;
          forwarded = true;
        }
        runStart = -1;
      } else if (runStart < 0) runStart = offset;
      offset = end;
    }
    if (runStart >= 0) {
      reading = forward(data.subarray(runStart, offset)) && reading;
      forwarded = true;
    }
    // Copied: a frame's start may sit at the end of a large read, which must not stay referenced.
    if (offset < data.length) partial = Buffer.from(data.subarray(offset));
    const full = inFlight >= MAX_READINGS_IN_FLIGHT_PER_CONNECTION;
    if (!full && !gate.full) return reading;
    // Stopping the socket: a chunk with nothing for aedes still pushes (empty) to end the stream's
    // read in progress, so that read(0) can start the next one (resume). Only then: an empty push
    // costs the stream's machinery and a nextTick, and a chunk of readings needs none to go on.
    if (!forwarded) push.call(stream, EMPTY);
    held = true;
    if (!full) gate.wait(resume);
    return false;
  };

  return {
    start(readingsTopic, handler, failure) {
      topic = Buffer.from(readingsTopic, "utf8");
      handle = handler;
      onFailure = failure;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
