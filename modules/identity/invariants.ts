// Invariants of the identity module: the owner and CID indexes agree with the token records, and
// next_token_id is above every token id.
import type { Invariant } from "../../chain/app/module.ts";
import type { IdentityKeeper } from "./keeper.ts";
import { cidIndexKey, decodeTokenId, ownerIndexKey, STORE_NAME } from "./keys.ts";
import { checkCid } from "./validation.ts";

export function identityInvariants(keeper: IdentityKeeper): Invariant[] {
  return [
    {
      name: "indexes",
      async check(ctx) {
        const store = ctx.store(STORE_NAME);
        const next = keeper.nextTokenId(ctx);
        for await (const token of keeper.iterateTokens(ctx)) {
          if (token.tokenId >= next) return `token ${token.tokenId} is not below next_token_id ${next}`;
          const byOwner = store.get(ownerIndexKey(token.owner));
          if (byOwner === undefined || decodeTokenId(byOwner) !== token.tokenId)
            return `owner index of ${token.owner} does not name token ${token.tokenId}`;
          const byCid = store.get(cidIndexKey(checkCid(token.profileCid)));
          if (byCid === undefined || decodeTokenId(byCid) !== token.tokenId)
            return `cid index of ${token.profileCid} does not name token ${token.tokenId}`;
        }
        return undefined;
      },
    },
  ];
}
