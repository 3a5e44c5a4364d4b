// Company login (browser-friendly): the company proves its address by signing a server challenge
// ADR-036 style (the layout of Keplr's / cosmjs-compatible `signArbitrary`), then the token of that
// address gives the profile CID, the blob is fetched by CID, checked against it, decrypted with the
// company's secret and parsed. Login succeeds only if every step does; each failure has a code.
//
// ADR-036 sign doc: an amino StdSignDoc with chain_id "", account_number "0", sequence "0",
// fee {gas "0", amount []}, memo "" and one message
//   {type: "sign/MsgSignData", value: {signer: <bech32>, data: <base64 of the challenge bytes>}};
// sign bytes = sorted canonical JSON (cosmjs serializeSignDoc); signature = secp256k1 over sha256 of
// those bytes, 64 bytes r||s, low S; the StdSignature carries the compressed public key, whose
// address (ripemd160(sha256(pubkey)), bech32 "sensor") must be the claimed one.
import {
  decodeSignature,
  makeSignDoc,
  type OfflineAminoSigner,
  pubkeyToAddress,
  type StdSignature,
  type StdSignDoc,
  serializeSignDoc,
} from "@cosmjs/amino";
import { Secp256k1, Secp256k1Signature, sha256 } from "@cosmjs/crypto";
import type { IdentityToken } from "../modules/identity/codec.ts";
import { type CompanyProfile, decryptProfile, ProfileError, profileCid } from "./identity-profile.ts";

export const ADDRESS_PREFIX = "sensor";
/** Header of every login challenge: a signature over it can never be mistaken for a tx (chain id ""). */
export const CHALLENGE_TITLE = "sensorchain identity login";
/** Nonce length: 32 random bytes, so a challenge is never issued twice. */
export const CHALLENGE_NONCE_BYTES = 32;
/** A challenge is text of a few lines; anything longer is not ours. */
export const MAX_CHALLENGE_CHARS = 1024;

export type LoginErrorCode =
  | "bad_challenge"
  | "expired_challenge"
  | "bad_signature"
  | "no_token"
  | "revoked"
  | "blob_not_found"
  | "cid_mismatch"
  | "malformed_blob"
  | "wrong_secret"
  | "malformed_profile";

export class LoginError extends Error {
  readonly code: LoginErrorCode;
  constructor(code: LoginErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LoginError";
    this.code = code;
  }
}

export interface LoginChallenge {
  /** The exact text the company signs. */
  text: string;
  chainId: string;
  nonceHex: string;
  issuedAt: Date;
}

const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A fresh challenge (the verifying server keeps it and accepts one signature over it, once). */
export function createLoginChallenge(input: {
  chainId: string;
  issuedAt: Date;
  nonce?: Uint8Array;
}): LoginChallenge {
  const nonce = input.nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(CHALLENGE_NONCE_BYTES));
  const nonceHex = toHex(nonce);
  const text = [
    CHALLENGE_TITLE,
    `chain: ${input.chainId}`,
    `nonce: ${nonceHex}`,
    `issued: ${input.issuedAt.toISOString()}`,
  ].join("\n");
  return { text, chainId: input.chainId, nonceHex, issuedAt: input.issuedAt };
}

/** The challenge fields back from its text; bad_challenge when it is not one. */
export function parseLoginChallenge(text: string): LoginChallenge {
  const match =
    text.length <= MAX_CHALLENGE_CHARS
      ? /^sensorchain identity login\nchain: ([^\n]{1,64})\nnonce: ([0-9a-f]{64})\nissued: ([0-9T:.Z-]{20,30})$/.exec(
          text,
        )
      : null;
  const issuedAt = new Date(match?.[3] ?? "");
  if (match === null || Number.isNaN(issuedAt.getTime()))
    throw new LoginError("bad_challenge", "not a sensorchain login challenge");
  return { text, chainId: match[1]!, nonceHex: match[2]!, issuedAt };
}

/** The ADR-036 StdSignDoc over `data` for `signer`. */
export function adr036SignDoc(signer: string, data: Uint8Array): StdSignDoc {
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return makeSignDoc(
    [{ type: "sign/MsgSignData", value: { signer, data: btoa(binary) } }],
    { gas: "0", amount: [] },
    "",
    "",
    0,
    0,
  );
}

/** The company's side: signs the challenge text with an amino signer (cosmjs Secp256k1Wallet /
 * Secp256k1HdWallet, Keplr's OfflineAminoSigner). */
export async function signLoginChallenge(
  signer: OfflineAminoSigner,
  address: string,
  challenge: string,
): Promise<StdSignature> {
  const doc = adr036SignDoc(address, new TextEncoder().encode(challenge));
  return (await signer.signAmino(address, doc)).signature;
}

/** The verifier's side: the signature is over this challenge by the key of `address`. */
export async function verifyLoginSignature(
  address: string,
  challenge: string,
  signature: StdSignature,
): Promise<void> {
  let decoded: { pubkey: Uint8Array; signature: Uint8Array };
  try {
    decoded = decodeSignature(signature);
  } catch (error) {
    throw new LoginError("bad_signature", "the signature is not a secp256k1 StdSignature", { cause: error });
  }
  const signerAddress = pubkeyToAddress(signature.pub_key, ADDRESS_PREFIX);
  if (signerAddress !== address)
    throw new LoginError("bad_signature", `the challenge was signed by ${signerAddress}, not ${address}`);
  const digest = sha256(serializeSignDoc(adr036SignDoc(address, new TextEncoder().encode(challenge))));
  let valid = false;
  try {
    valid =
      decoded.signature.length === 64 &&
      (await Secp256k1.verifySignature(
        Secp256k1Signature.fromFixedLength(decoded.signature),
        digest,
        decoded.pubkey,
      ));
  } catch {
    valid = false;
  }
  if (!valid)
    throw new LoginError("bad_signature", `the signature over the challenge does not verify for ${address}`);
}

/** Where login reads the token and the blob (rpcIdentitySource, verifiedIdentitySource). */
export interface IdentitySource {
  tokenByOwner(owner: string): Promise<IdentityToken | undefined>;
  blob(cid: string): Promise<Uint8Array | undefined>;
}

export interface LoginInput {
  address: string;
  /** The challenge text the verifier issued. */
  challenge: string;
  signature: StdSignature;
  secret: string;
  source: IdentitySource;
  /** With maxChallengeAgeMs: refuse challenges issued earlier than now - maxChallengeAgeMs. */
  now?: Date;
  maxChallengeAgeMs?: number;
}

export interface LoginResult {
  token: IdentityToken;
  profile: CompanyProfile;
}

/** The whole login: signature, token, not revoked, blob, CID, decryption, profile. */
export async function login(input: LoginInput): Promise<LoginResult> {
  const challenge = parseLoginChallenge(input.challenge);
  if (input.now !== undefined && input.maxChallengeAgeMs !== undefined) {
    const age = input.now.getTime() - challenge.issuedAt.getTime();
    if (age > input.maxChallengeAgeMs || age < -input.maxChallengeAgeMs)
      throw new LoginError("expired_challenge", `the challenge was issued ${age} ms ago`);
  }
  await verifyLoginSignature(input.address, input.challenge, input.signature);
  const token = await input.source.tokenByOwner(input.address);
  if (token === undefined) throw new LoginError("no_token", `${input.address} holds no identity token`);
  if (token.status === "revoked")
    throw new LoginError("revoked", `identity token ${token.tokenId} is revoked: ${token.revocationReason}`);
  const blob = await input.source.blob(token.profileCid);
  if (blob === undefined) throw new LoginError("blob_not_found", `no blob ${token.profileCid}`);
  const actual = await profileCid(blob);
  if (actual !== token.profileCid)
    throw new LoginError("cid_mismatch", `the blob served for ${token.profileCid} hashes to ${actual}`);
  try {
    return { token, profile: await decryptProfile(blob, input.secret) };
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    const code: LoginErrorCode =
      error.code === "wrong_secret"
        ? "wrong_secret"
        : error.code === "malformed_profile"
          ? "malformed_profile"
          : "malformed_blob";
    throw new LoginError(code, error.message, { cause: error });
  }
}
