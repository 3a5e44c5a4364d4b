// The root of a set of key/values computed from scratch in memory: an independent check of a persisted tree
// (crash recovery tests, replay tooling). Includes the store's sentinel leaf unless told otherwise.
import { compareBytes } from "./bytes.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "./sentinel.ts";
import { childHash, sha256 } from "./smt-node.ts";
import { type SmtChange, updateSubtree } from "./smt-update.ts";

export function smtRootOf(
  entries: Iterable<readonly [Uint8Array, Uint8Array]>,
  withSentinel = true,
): Uint8Array {
  const changes: SmtChange[] = [];
  for (const [key, value] of entries) changes.push({ keyHash: sha256(key), key, valueHash: sha256(value) });
  if (withSentinel)
    changes.push({ keyHash: sha256(SENTINEL_KEY), key: SENTINEL_KEY, valueHash: sha256(SENTINEL_VALUE) });
  changes.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  const root = updateSubtree(
    {
      version: 0,
      load: (ref) => {
        if (ref.node === undefined) throw new Error("in-memory tree has no unloaded nodes");
        return ref.node;
      },
    },
    null,
    0,
    changes,
    0,
    changes.length,
  );
  return childHash(root);
}
