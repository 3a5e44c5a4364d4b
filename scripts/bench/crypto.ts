// Signature and hash rates of this machine: the node's verifier (libsecp256k1 / libsodium when their
// binaries load), node:crypto (OpenSSL) and @noble: the ceilings the other benchmarks are judged
// against, and the measurement behind the node's choice of backend.
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { Ed25519Signer, verifyEd25519, verifyEd25519OpenSsl } from "../../chain/crypto/ed25519.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { nativeCryptoBackends } from "../../chain/crypto/native-verify.ts";
import {
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
  verifySecp256k1Noble,
  verifySecp256k1OpenSsl,
} from "../../chain/crypto/secp256k1.ts";
import { benchCommand, runBenchMain } from "./args.ts";

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export function rate(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 50; i++) fn();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) fn();
    count += 50;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

export interface CryptoFigures {
  /** The node's own verifier: libsecp256k1 when it loads, else the OpenSSL figure again. */
  secp256k1VerifyNode: number;
  secp256k1VerifyOpenSsl: number;
  secp256k1VerifyNoble: number;
  ed25519VerifyNode: number;
  ed25519VerifyOpenSsl: number;
  ed25519VerifyNoble: number;
  sha256Node: number;
  sha256Noble: number;
}

export function runCryptoBench(ms = 1000): CryptoFigures {
  const message = new Uint8Array(100).fill(7);
  const secpKey = new Uint8Array(32).fill(3);
  const secpPublic = secp256k1PublicKey(secpKey);
  const secpSignature = signSecp256k1(message, secpKey);
  const edSigner = new Ed25519Signer(new Uint8Array(32).fill(5));
  const edSignature = edSigner.sign(message);
  const hashInput = new Uint8Array(64).fill(1);
  return {
    secp256k1VerifyNode: rate(() => verifySecp256k1(secpSignature, message, secpPublic), ms),
    secp256k1VerifyOpenSsl: rate(() => verifySecp256k1OpenSsl(secpSignature, message, secpPublic), ms),
    secp256k1VerifyNoble: rate(() => verifySecp256k1Noble(secpSignature, message, secpPublic), ms),
    ed25519VerifyNode: rate(() => verifyEd25519(edSignature, message, edSigner.publicKey), ms),
    ed25519VerifyOpenSsl: rate(() => verifyEd25519OpenSsl(edSignature, message, edSigner.publicKey), ms),
    ed25519VerifyNoble: rate(() => ed25519.verify(edSignature, message, edSigner.publicKey), ms),
    sha256Node: rate(() => sha256(hashInput), ms),
    sha256Noble: rate(() => nobleSha256(hashInput), ms),
  };
}

export function printCryptoFigures(figures: CryptoFigures): void {
  const backends = nativeCryptoBackends();
  const row = (name: string, node: number, openSsl: number, noble: number) =>
    console.log(
      `  ${name.padEnd(18)} node ${fmt(node).padStart(9)}/s   node:crypto ${fmt(openSsl).padStart(9)}/s   @noble ${fmt(noble).padStart(9)}/s   node ÷ node:crypto ${(node / openSsl).toFixed(1)}x`,
    );
  console.log(
    `crypto (one core, 100-byte messages; node verifies with ${backends.secp256k1} and ${backends.ed25519}; reference/baselines.md, node:crypto: secp256k1 2,237/s, ed25519 8,183/s)`,
  );
  row(
    "secp256k1 verify",
    figures.secp256k1VerifyNode,
    figures.secp256k1VerifyOpenSsl,
    figures.secp256k1VerifyNoble,
  );
  row("ed25519 verify", figures.ed25519VerifyNode, figures.ed25519VerifyOpenSsl, figures.ed25519VerifyNoble);
  row("sha256 (64 B)", figures.sha256Node, figures.sha256Node, figures.sha256Noble);
}

export function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export const cryptoBenchCommand = benchCommand({
  name: "crypto",
  summary:
    "Signature and hash rates on one core: the node's verifier, node:crypto (OpenSSL) and @noble,\nthe ceilings the other benchmarks are judged against.",
  flags: { ms: { type: "integer", default: 1000, description: "milliseconds each rate is measured for" } },
  run: (flags) => printCryptoFigures(runCryptoBench(flags.ms)),
});

if (import.meta.main) await runBenchMain(cryptoBenchCommand);
