// The standard multi-validator test chain: 8 keys, 40 heights, set changes at 11 and 26
// (A = keys 0-3, B = keys 2-5, C = keys 4-7), one absent vote every 7th height and one nil vote every
// 5th, as in shared/reference/proofs-lightclient.md B3.
import type { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { HarnessChain, makeKeys } from "./harness.ts";

export const CHAIN_ID = "harness-1";
export const KEYS = makeKeys(8);

export function setKeysAt(height: bigint): Ed25519Signer[] {
  if (height <= 10n) return KEYS.slice(0, 4);
  if (height <= 25n) return KEYS.slice(2, 6);
  return KEYS.slice(4, 8);
}

export function standardChain(chainId = CHAIN_ID, length = 40): HarnessChain {
  return new HarnessChain({
    chainId,
    length,
    validatorsAt: (height) => ({ signers: setKeysAt(height) }),
    vote: (height, index) => {
      if (height % 7n === 0n && index === 3) return "absent";
      if (height % 5n === 0n && height % 7n !== 0n && index === 0) return "nil";
      return "commit";
    },
  });
}
