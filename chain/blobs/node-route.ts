// The blob route as a node serves it: blobs in the node's LevelDB, accepted only when committed
// state has an identity token naming their CID (so storage grows only with registrations).
import type { ClassicLevel } from "classic-level";
import { pb } from "../../modules/identity/codec.ts";
import { QUERY_IDENTITY_TOKEN_BY_CID } from "../../modules/identity/type-urls.ts";
import type { Application } from "../app/abci.ts";
import type { HttpRoute } from "../rpc/server.ts";
import { blobRoute } from "./http.ts";
import { BlobStore } from "./store.ts";

export function identityBlobRoute(db: ClassicLevel<Uint8Array, Uint8Array>, app: Application): HttpRoute {
  return blobRoute({
    store: new BlobStore({ db }),
    async isReferenced(cid) {
      const response = await app.query({
        path: QUERY_IDENTITY_TOKEN_BY_CID,
        data: pb.QueryTokenByCidRequest.encode({ cid }).finish(),
        height: 0n,
        prove: false,
      });
      return response.code === 0;
    },
  });
}
