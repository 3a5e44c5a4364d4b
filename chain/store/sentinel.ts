// Every store holds one leaf that modules never see, so that its tree is never empty: ICS-23 cannot prove
// non-membership in an empty tree (a non-existence proof needs a neighbour leaf).
// The key is 0xff ‖ "sensorchain/sentinel": an exact key (modules may still use 0xff prefixes for anything
// else). It lives only in the SMT, not in state storage, so get/has/iterate never return it; set/delete of it
// throw StoreError("reserved_key").
import { utf8 } from "../crypto/hash.ts";

export const SENTINEL_KEY: Uint8Array = Uint8Array.of(0xff, ...utf8.encode("sensorchain/sentinel"));
export const SENTINEL_VALUE: Uint8Array = utf8.encode("sentinel");
