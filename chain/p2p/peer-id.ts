// Node ids: the libp2p peer id of a node's ed25519 key. Apart from host.ts so that `sensorchain
// init` (and anything else that only names peers) does not import libp2p itself.
import { generateKeyPairFromSeed, publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey, peerIdFromPublicKey } from "@libp2p/peer-id";

/** The libp2p peer id of an ed25519 node public key, synchronously (`sensorchain init`). */
export function peerIdOfPublicKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}

/** The libp2p peer id string of a node key: the node id shown in status and net_info. */
export async function peerIdOfNodeKey(seed: Uint8Array): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed("Ed25519", seed)).toString();
}
