// A cosmjs QueryClient whose abci_query goes straight to an Application, so tests exercise the
// real cosmjs query extensions (auth, bank, tx simulate) without an RPC server in between.
import { QueryClient, setupAuthExtension, setupBankExtension, setupTxExtension } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { Application } from "../../chain/app/abci.ts";

export function cosmjsQueryClient(app: Application) {
  const comet = {
    async abciQuery(params: { path: string; data: Uint8Array; height?: number; prove?: boolean }) {
      const response = await app.query({
        path: params.path,
        data: params.data,
        height: BigInt(params.height ?? 0),
        prove: params.prove ?? false,
      });
      return {
        code: response.code,
        codespace: response.codespace,
        log: response.log,
        info: response.info,
        index: Number(response.index),
        key: response.key,
        value: response.value,
        height: Number(response.height),
      };
    },
  } as unknown as CometClient;
  return QueryClient.withExtensions(comet, setupAuthExtension, setupBankExtension, setupTxExtension);
}
