// Opens the block store on the node's shared LevelDB.
import { type BlockStoreDatabase, BlockStoreImpl } from "./store.ts";

export async function openBlockStore(db: BlockStoreDatabase): Promise<BlockStoreImpl> {
  const store = new BlockStoreImpl(db);
  await store.open();
  return store;
}
