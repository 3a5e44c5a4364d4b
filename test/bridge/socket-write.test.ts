// bridge-mqtt/socket-write.ts: bytes written to a TCP socket's handle arrive in order with the stream's own
// writes (also while the kernel's send buffer is full and writes wait), other streams are left to the caller,
// and a write to a socket whose handle is gone is refused without throwing.
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import test, { type ExecutionContext } from "ava";
import { writeToHandle } from "../../bridge-mqtt/socket-write.ts";

async function socketPair(t: ExecutionContext): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, "connection");
  const client = connect({ port, host: "127.0.0.1" });
  const [serverSide] = (await accepted) as [Socket];
  await once(client, "connect");
  t.teardown(() => {
    client.destroy();
    serverSide.destroy();
    server.close();
  });
  return [serverSide, client];
}

function received(socket: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  return new Promise((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) resolve(Buffer.concat(chunks));
    });
  });
}

test("direct and stream writes arrive in the order they were made, also past a full send buffer", async (t) => {
  const [sender, receiver] = await socketPair(t);
  receiver.pause(); // the kernel buffers fill: direct writes have to wait, stream writes queue in the Writable
  const expected: Buffer[] = [];
  let direct = 0;
  for (let i = 0; i < 2_000; i++) {
    // Large pieces now and then fill the send buffer; small ones are the PUBACKs.
    const piece = Buffer.alloc(i % 100 === 1 ? 1024 * 1024 : 4, i & 0xff);
    piece.writeUInt32BE(i, 0);
    expected.push(piece);
    if (i % 3 === 0) sender.write(piece);
    else if (writeToHandle(sender, piece)) direct++;
    else sender.write(piece);
  }
  const total = expected.reduce((sum, piece) => sum + piece.length, 0);
  const all = received(receiver, total);
  receiver.resume();
  // Buffer#equals: ava's deep comparison of 5 MB takes seconds.
  t.true((await all).equals(Buffer.concat(expected)));
  t.true(direct > 0, "some writes went to the handle");
});

test("streams that are not plain TCP sockets are left to the caller", (t) => {
  const stream = new PassThrough();
  t.false(writeToHandle(stream, Buffer.from([0x40, 2, 0, 1])));
  t.is(stream.readableLength, 0);
});

test("a destroyed socket is left to the caller, which sees it is no longer writable", async (t) => {
  const [sender] = await socketPair(t);
  sender.destroy();
  await once(sender, "close");
  t.false(writeToHandle(sender, Buffer.from([0x40, 2, 0, 1])));
});
