// Real device keys of the three registered types, and signing as a device does (bridge-mqtt
// README.md, Signatures): ed25519 over the bytes, P-256 r‖s over sha256, secp256k1 as Cosmos signs.
import { createPrivateKey, ECDH, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { secp256k1PublicKey, signSecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { KeyType } from "../../client/index.ts";
import { encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";

export interface TestDeviceKey {
  type: number;
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export function ed25519Key(): TestDeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  return { type: KeyType.KEY_TYPE_ED25519, publicKey: raw, sign: (m) => sign(null, m, privateKey) };
}

export function p256Key(): TestDeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const uncompressed = Buffer.concat([
    Buffer.of(4),
    Buffer.from(jwk.x!, "base64url"),
    Buffer.from(jwk.y!, "base64url"),
  ]);
  const compressed = ECDH.convertKey(
    uncompressed,
    "prime256v1",
    undefined,
    undefined,
    "compressed",
  ) as Buffer;
  const key: KeyObject = createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }));
  return {
    type: KeyType.KEY_TYPE_P256,
    publicKey: compressed,
    sign: (m) => sign("sha256", m, { key, dsaEncoding: "ieee-p1363" }),
  };
}

export function secp256k1Key(): TestDeviceKey {
  const secret = randomBytes(32);
  return {
    type: KeyType.KEY_TYPE_SECP256K1,
    publicKey: secp256k1PublicKey(secret),
    sign: (m) => signSecp256k1(m, secret),
  };
}

/** A signed reading of `deviceId` and its protobuf payload. */
export function signedReading(
  key: TestDeviceKey,
  fields: { deviceId: string; sequence: bigint; timestampMs?: bigint; value?: string },
): { reading: Reading; payload: Uint8Array } {
  const unsigned: Reading = {
    deviceId: fields.deviceId,
    sequence: fields.sequence,
    timestampMs: fields.timestampMs ?? BigInt(Date.now()),
    values: [{ name: "energy", unit: "kWh", value: fields.value ?? "12.5" }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  const reading = { ...unsigned, signature: key.sign(readingSignBytes(unsigned)) };
  return { reading, payload: encodeReading(reading) };
}
