import { createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { verifyEd25519, verifyEd25519OpenSsl } from "../../chain/crypto/ed25519.ts";
import { nativeCryptoBackends, nativeSecp256k1, nativeSodium } from "../../chain/crypto/native-verify.ts";
import {
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
  verifySecp256k1Noble,
  verifySecp256k1OpenSsl,
} from "../../chain/crypto/secp256k1.ts";

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function highS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
  const out = new Uint8Array(signature);
  out.set(Buffer.from((CURVE_ORDER - s).toString(16).padStart(64, "0"), "hex"), 32);
  return out;
}

test("the native backends load on this platform (CI runs linux-x64)", (t) => {
  t.not(nativeSecp256k1, undefined);
  t.not(nativeSodium, undefined);
  t.deepEqual(nativeCryptoBackends(), { secp256k1: "libsecp256k1", ed25519: "libsodium" });
});

test("secp256k1: libsecp256k1, OpenSSL and @noble agree on valid, tampered, high-S, foreign-key and off-curve cases", (t) => {
  for (let i = 0; i < 50; i++) {
    const privateKey = randomBytes(32);
    const publicKey = secp256k1PublicKey(privateKey);
    const message = randomBytes(40 + i);
    const signature = signSecp256k1(message, privateKey);
    const tampered = new Uint8Array(message);
    tampered[i % tampered.length]! ^= 1;
    const other = secp256k1PublicKey(randomBytes(32));
    const offCurve = new Uint8Array(publicKey);
    offCurve[5]! ^= 0xff;
    const cases: Array<[Uint8Array, Uint8Array, Uint8Array, boolean]> = [
      [signature, message, publicKey, true],
      [signature, tampered, publicKey, false],
      [highS(signature), message, publicKey, false],
      [signature, message, other, false],
      [signature, message, offCurve, false],
      [new Uint8Array(64), message, publicKey, false],
    ];
    for (const [sig, msg, key, expected] of cases) {
      t.is(verifySecp256k1(sig, msg, key), expected);
      t.is(verifySecp256k1OpenSsl(sig, msg, key), expected);
      t.is(verifySecp256k1Noble(sig, msg, key), expected);
    }
  }
});

test("ed25519: libsodium, OpenSSL and @noble agree on valid, tampered and foreign-key cases", (t) => {
  const spkiPrefixBytes = 12;
  for (let i = 0; i < 50; i++) {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(spkiPrefixBytes));
    const message = randomBytes(20 + i);
    const signature = new Uint8Array(sign(null, message, privateKey));
    const tampered = new Uint8Array(signature);
    tampered[i % 64]! ^= 4;
    const otherKey = createPublicKey(generateKeyPairSync("ed25519").privateKey);
    const other = new Uint8Array(otherKey.export({ format: "der", type: "spki" }).subarray(spkiPrefixBytes));
    const cases: Array<[Uint8Array, Uint8Array, boolean]> = [
      [signature, raw, true],
      [tampered, raw, false],
      [signature, other, false],
    ];
    for (const [sig, key, expected] of cases) {
      t.is(verifyEd25519(sig, message, key), expected);
      t.is(verifyEd25519OpenSsl(sig, message, key), expected);
      t.is(ed25519.verify(sig, message, key), expected);
    }
  }
});
