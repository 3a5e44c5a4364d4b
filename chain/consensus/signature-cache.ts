// Verified-signature cache for consensus: a precommit is verified when it arrives as a vote, again
// in the proposal's last commit (valid(v)) and again when the block is applied; one ed25519 verify
// (~60 µs) each time would dominate consensus CPU. Only successes are cached, keyed by a hash of
// (public key, message, signature), so a hit proves the same triple verified before.
import { createHash } from "node:crypto";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import type { SignatureVerifier } from "../types/verify-commit.ts";

/** Entries kept: a few heights of votes and commits of a validator set of up to ~100. */
export const MAX_VERIFIED_SIGNATURES = 20_000;

const verified = new Set<string>();

function keyOf(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).update(signature).update(message).digest("base64");
}

export const verifyEd25519Cached: SignatureVerifier = (signature, message, publicKey) => {
  const key = keyOf(signature, message, publicKey);
  if (verified.has(key)) return true;
  if (!verifyEd25519(signature, message, publicKey)) return false;
  if (verified.size >= MAX_VERIFIED_SIGNATURES) verified.delete(verified.values().next().value!);
  verified.add(key);
  return true;
};

/** Records a signature this node just made, so its own votes are not verified again. */
export function rememberOwnSignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): void {
  if (verified.size >= MAX_VERIFIED_SIGNATURES) verified.delete(verified.values().next().value!);
  verified.add(keyOf(signature, message, publicKey));
}
