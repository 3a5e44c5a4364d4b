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

/** What a broadcast came back with: the tx's CheckTx code, or undefined when the connection failed. */
export type BroadcastOutcome = number | undefined;

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
      for (const request of this.#inflight.splice(0)) request.resolve(undefined);
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
      const request = this.#inflight.shift();
      let code: BroadcastOutcome;
      try {
        const answer = JSON.parse(body) as { result?: { code?: number } };
        code = answer.result?.code;
      } catch {
        code = undefined;
      }
      request?.resolve(code);
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
  const admitted = outcome === 0 || outcome === TX_IN_CACHE_CODE;
  if (!admitted) cursor.rewindTo = Math.min(cursor.rewindTo ?? sequence, sequence);
  if (cursor.inflight === 0 && cursor.rewindTo !== undefined) {
    cursor.next = Math.min(cursor.next, cursor.rewindTo);
    cursor.rewindTo = undefined;
  }
  return admitted;
}
