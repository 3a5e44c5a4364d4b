// Peer addresses in config.toml. `persistent_peers` is a comma-separated list; each entry is one of
//   <peer-id>@/ip4/127.0.0.1/tcp/26656        (libp2p peer id, then a multiaddr)
//   /ip4/127.0.0.1/tcp/26656/p2p/<peer-id>    (a multiaddr that ends in the peer id)
//   <peer-id>@127.0.0.1:26656                 (CometBFT style host:port, TCP)
// The peer id is the libp2p id of the peer's config/node_key.json (`sensorchain p2p id` prints it).

import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { sha256, toHex } from "../crypto/hash.ts";

export class PeerAddressError extends Error {
  readonly code = "invalid_peer_address";
}

export interface PeerAddress {
  peerId: string;
  address: Multiaddr;
}

export function parsePeerAddress(text: string): PeerAddress {
  const entry = text.trim();
  let peerId: string;
  let addressText: string;
  const at = entry.indexOf("@");
  if (at > 0) {
    peerId = entry.slice(0, at);
    const rest = entry.slice(at + 1);
    if (rest.startsWith("/")) addressText = rest;
    else {
      const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(rest);
      if (match === null)
        throw new PeerAddressError(
          `peer ${JSON.stringify(entry)}: expected <id>@host:port or <id>@/multiaddr`,
        );
      const host = match[1]!;
      const protocol = host.startsWith("[") ? "ip6" : /^[0-9.]+$/.test(host) ? "ip4" : "dns";
      addressText = `/${protocol}/${host.replace(/^\[|\]$/g, "")}/tcp/${match[2]}`;
    }
  } else {
    const match = /^(.*)\/p2p\/([^/]+)$/.exec(entry);
    if (match === null)
      throw new PeerAddressError(`peer ${JSON.stringify(entry)}: a multiaddr must end in /p2p/<peer-id>`);
    addressText = match[1]!;
    peerId = match[2]!;
  }
  try {
    peerIdFromString(peerId);
  } catch {
    throw new PeerAddressError(
      `peer ${JSON.stringify(entry)}: ${JSON.stringify(peerId)} is not a libp2p peer id`,
    );
  }
  let address: Multiaddr;
  try {
    address = multiaddr(addressText);
  } catch (error) {
    throw new PeerAddressError(`peer ${JSON.stringify(entry)}: bad multiaddr: ${(error as Error).message}`);
  }
  return { peerId, address };
}

/** Parses a persistent_peers list (already split on commas). */
export function parsePeerAddresses(entries: readonly string[]): PeerAddress[] {
  return entries.map(parsePeerAddress);
}

/** "tcp://127.0.0.1:26656" (config p2p.laddr) → "/ip4/127.0.0.1/tcp/26656". */
export function listenMultiaddr(laddr: string): string {
  const match = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(laddr);
  if (match === null)
    throw new PeerAddressError(`p2p.laddr ${JSON.stringify(laddr)}: expected tcp://host:port`);
  const host = match[1]!;
  if (host.startsWith("[")) return `/ip6/${host.slice(1, -1)}/tcp/${match[2]}`;
  return /^[0-9.]+$/.test(host) ? `/ip4/${host}/tcp/${match[2]}` : `/dns/${host}/tcp/${match[2]}`;
}

/** CometBFT's node id (hex of sha256(ed25519 node public key)[:20], what status/net_info show and
 * cosmjs decodes as hex) of a libp2p ed25519 peer id; "" for other key types. */
export function cometNodeId(peerId: string): string {
  const key = peerIdFromString(peerId).publicKey;
  if (key === undefined || key.type !== "Ed25519") return "";
  return toHex(sha256(key.raw).subarray(0, 20));
}
