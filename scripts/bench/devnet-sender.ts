// The devnet bench's load generator: broadcast_tx_sync over HTTP/1.1 keep-alive connections with
// pipelining, so that one account can have several txs in flight in sequence order.
//
// Why: with one request in flight per account (fetch, a new request only after the answer) the bench
// offered ~515 tx/s of the 600 asked with 600 accounts, because checkTx on a busy node answers in up to
// seconds (it waits for the mempool lock during block execution). A wallet may send sequence n + 1
// before n is answered: checkTx runs against the check-state, where n has already moved the account's
// sequence. To keep n before n + 1 all the way into the node, every account is bound to one
// connection: requests on one TCP connection are read, and handed to the node's ingress, in order
// (Node's HTTP server dispatches pipelined requests at once and answers them in order).
import { Socket } from "node:net";

/** What a broadcast came back with: the tx's CheckTx code (undefined when there was none: the
 * connection failed, or the answer was an error or unreadable) and, for anything but code 0, why, as a
 * stable `reason` to count by and the node's own words (`detail`: a CheckTx log or JSON-RPC message). */
export interface BroadcastOutcome {
  code: number | undefined;
  reason: string;
  detail: string;
}

const CONNECTION_CLOSED: BroadcastOutcome = {
  code: undefined,
  reason: "connection closed before the answer",
  detail: "",
};

/** Reads broadcast_tx_sync's answer (HTTP status, JSON-RPC body) into an outcome. */
export function broadcastOutcome(status: number, body: string): BroadcastOutcome {
  let answer: { result?: { code?: unknown; codespace?: unknown; log?: unknown }; error?: unknown };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return { code: undefined, reason: `HTTP ${status}, not JSON`, detail: body.slice(0, 200) };
  }
  const result = answer.result;
  if (result !== undefined && typeof result.code === "number") {
    if (result.code === 0) return { code: 0, reason: "", detail: "" };
    const codespace =
      typeof result.codespace === "string" && result.codespace !== "" ? result.codespace : "?";
    return {
      code: result.code,
      reason: `CheckTx ${codespace} code ${result.code}`,
      detail: typeof result.log === "string" ? result.log : "",
    };
  }
  const error = answer.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (error !== undefined && error !== null)
    return {
      code: undefined,
      reason: `JSON-RPC error ${String(error.code)}`,
      detail: `${String(error.message)}${typeof error.data === "string" ? `: ${error.data}` : ""}`,
    };
  return { code: undefined, reason: `HTTP ${status}, no result or error`, detail: body.slice(0, 200) };
}

/** Refused broadcasts by reason, with the first detail seen for each (a collapse explains itself). */
export class RefusalTally {
  readonly #byReason = new Map<string, { count: number; example: string }>();

  add(outcome: BroadcastOutcome): void {
    const entry = this.#byReason.get(outcome.reason);
    if (entry === undefined) this.#byReason.set(outcome.reason, { count: 1, example: outcome.detail });
    else entry.count++;
  }

  /** Most frequent first. */
  entries(): { reason: string; count: number; example: string }[] {
    return [...this.#byReason]
      .map(([reason, { count, example }]) => ({ reason, count, example }))
      .sort((a, b) => b.count - a.count);
  }
}

interface PendingRequest {
  resolve: (outcome: BroadcastOutcome) => void;
}

/** broadcast_tx_sync's JSON-RPC body for one tx (the tx's base64 in it): built once per tx, as a
 * client encodes a tx once. */
export function broadcastBody(tx: Uint8Array, id: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "broadcast_tx_sync",
      params: { tx: Buffer.from(tx).toString("base64") },
    }),
  );
}

/** One keep-alive connection to a node's RPC; requests are written at once (pipelined) and answered
 * in order. A closed connection fails what is in flight (undefined) and reconnects on the next send. */
export class PipelinedConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  readonly #inflight: PendingRequest[] = [];
  #buffer: Buffer = Buffer.alloc(0);

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  get inflight(): number {
    return this.#inflight.length;
  }

  send(body: Buffer): Promise<BroadcastOutcome> {
    const socket = this.#connect();
    socket.write(
      `POST / HTTP/1.1\r\nHost: ${this.#host}:${this.#port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    return new Promise((resolve) => this.#inflight.push({ resolve }));
  }

  close(): void {
    this.#socket?.destroy();
  }

  #connect(): Socket {
    if (this.#socket !== undefined) return this.#socket;
    const socket = new Socket();
    socket.setNoDelay(true);
    socket.connect(this.#port, this.#host);
    socket.on("data", (chunk: Buffer) => this.#read(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#buffer = Buffer.alloc(0);
      for (const request of this.#inflight.splice(0)) request.resolve(CONNECTION_CLOSED);
    });
    this.#socket = socket;
    return socket;
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const headEnd = this.#buffer.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = this.#buffer.toString("latin1", 0, headEnd);
      const length = /content-length:\s*(\d+)/i.exec(head);
      if (length === null) {
        this.#socket?.destroy(); // not what the node answers: give up on this connection
        return;
      }
      const end = headEnd + 4 + Number(length[1]);
      if (this.#buffer.length < end) return;
      const body = this.#buffer.toString("utf8", headEnd + 4, end);
      this.#buffer = this.#buffer.subarray(end);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      this.#inflight.shift()?.resolve(broadcastOutcome(status === null ? 0 : Number(status[1]), body));
    }
  }
}

/** Per account: the next sequence to send, txs in flight, and the lowest sequence refused while
 * others were in flight (sent again once they are all answered: the ones behind it were refused too). */
export interface AccountCursor {
  next: number;
  inflight: number;
  rewindTo: number | undefined;
}

/** CheckTx code for "already in the mempool or its cache": that tx is in, move on. */
export const TX_IN_CACHE_CODE = 19;

/** Records an answer for `sequence` of an account; returns whether the tx is in the mempool. */
export function settleBroadcast(cursor: AccountCursor, sequence: number, outcome: BroadcastOutcome): boolean {
  cursor.inflight--;
  const admitted = outcome.code === 0 || outcome.code === TX_IN_CACHE_CODE;
  if (!admitted) cursor.rewindTo = Math.min(cursor.rewindTo ?? sequence, sequence);
  if (cursor.inflight === 0 && cursor.rewindTo !== undefined) {
    cursor.next = Math.min(cursor.next, cursor.rewindTo);
    cursor.rewindTo = undefined;
  }
  return admitted;
}
