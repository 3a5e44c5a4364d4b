// A tiny HTTP server in front of a real node that forwards JSON-RPC and rewrites chosen answers:
// the "node behind the proxy lies" case. Rewrites are plain functions over the parsed JSON.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// biome-ignore lint/suspicious/noExplicitAny: rewrites work on raw JSON-RPC payloads
export type Rewrite = (method: string, params: any, result: any) => any;
// biome-ignore lint/suspicious/noExplicitAny: request rewrites work on raw JSON-RPC params
export type RequestRewrite = (method: string, params: any) => any;

export interface LyingNode {
  url: string;
  rewrite: Rewrite;
  rewriteRequest: RequestRewrite;
  close(): Promise<void>;
}

export async function startLyingNode(upstream: string): Promise<LyingNode> {
  const liar: LyingNode = {
    url: "",
    rewrite: (_method, _params, result) => result,
    rewriteRequest: (_method, params) => params,
    close: async () => {},
  };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const params = liar.rewriteRequest(call.method, call.params ?? {});
    const forwarded = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...call, params }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the answer is rewritten as raw JSON
    const answer: any = await forwarded.json();
    if (answer.result !== undefined)
      answer.result = liar.rewrite(call.method, call.params ?? {}, answer.result);
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  liar.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  liar.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return liar;
}
