// Invariants of the poa module: the operator index and the validator records agree, every open
// proposal is in the expiry index, and powers stay within CometBFT's bound.
import type { Invariant } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import { proposalCodec } from "./codec.ts";
import type { PoaKeeper } from "./keeper.ts";
import {
  expiryIndexKey,
  MAX_TOTAL_VOTING_POWER,
  operatorIndexKey,
  PROPOSAL_PREFIX,
  prefixEnd,
  STORE_NAME,
} from "./keys.ts";

export function poaInvariants(keeper: PoaKeeper): Invariant[] {
  return [
    {
      name: "validators-and-operators",
      async check(ctx) {
        let total = 0n;
        for (const validator of keeper.validators(ctx)) {
          const address = ed25519Address(validator.pubKey);
          const indexed = ctx.store(STORE_NAME).get(operatorIndexKey(validator.operator));
          if (indexed === undefined || !bytesEqual(indexed, address))
            return `operator ${validator.operator} does not index validator ${toHex(address).toUpperCase()}`;
          if (validator.power === 0n && !validator.jailed)
            return `validator ${toHex(address).toUpperCase()} has power 0 and is not jailed`;
          total += validator.power;
        }
        if (total > MAX_TOTAL_VOTING_POWER) return `total power ${total} is above ${MAX_TOTAL_VOTING_POWER}`;
        return undefined;
      },
    },
    {
      name: "open-proposals-indexed",
      async check(ctx) {
        const start = Uint8Array.of(PROPOSAL_PREFIX);
        for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) {
          const proposal = proposalCodec.decode(value);
          const indexed = ctx.store(STORE_NAME).has(expiryIndexKey(proposal.expiryHeight, proposal.id));
          if (indexed !== (proposal.status === "open"))
            return `proposal ${proposal.id} (${proposal.status}) ${indexed ? "is" : "is not"} in the expiry index`;
        }
        return undefined;
      },
    },
  ];
}
