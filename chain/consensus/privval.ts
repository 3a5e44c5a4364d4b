// The double-sign guard (CometBFT privval/file.go FilePVLastSignState). Before any signature leaves
// it, the last signed height/round/step and its sign bytes are saved durably; a later request for
// the same height/round/step with different sign bytes is refused, and a lower height/round/step is
// refused as a regression. Identical bytes get the saved signature again; a vote that differs only in
// its timestamp gets the saved signature and timestamp (what a restarted node re-signs on replay).
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../config/files.ts";
import type { Ed25519Signer } from "../crypto/ed25519.ts";
import { bytesEqual } from "../crypto/hash.ts";
import type { Timestamp, Vote } from "../types/block.ts";
import { proposalSignBytes, voteSignBytes } from "../types/vote.ts";
import type { Proposal } from "./tendermint/types.ts";

/** CometBFT privval step numbers. */
export const SignStep = { propose: 1, prevote: 2, precommit: 3 } as const;

export interface LastSignState {
  height: bigint;
  round: number;
  step: number;
  signature: Uint8Array;
  signBytes: Uint8Array;
  /** Timestamp signed with signBytes (votes and proposals carry one). */
  timestamp: Timestamp;
}

export class DoubleSignError extends Error {
  readonly code = "double_sign_refused";
}

/** Where the last sign state lives: a JSON file (FileSignStateStorage) or simulated disk. */
export interface SignStateStorage {
  load(): Promise<LastSignState | undefined>;
  /** Durable before it resolves (fsync). */
  save(state: LastSignState): Promise<void>;
}

type Check = { kind: "new" } | { kind: "same"; last: LastSignState };

function checkHrs(last: LastSignState | undefined, height: bigint, round: number, step: number): Check {
  if (last === undefined || last.height < height) return { kind: "new" };
  if (last.height > height)
    throw new DoubleSignError(`height regression: last signed ${last.height}, asked ${height}`);
  if (last.round > round)
    throw new DoubleSignError(`round regression at height ${height}: last ${last.round}, asked ${round}`);
  if (last.round < round) return { kind: "new" };
  if (last.step > step)
    throw new DoubleSignError(`step regression at ${height}/${round}: last ${last.step}, asked ${step}`);
  if (last.step < step) return { kind: "new" };
  return { kind: "same", last };
}

export class PrivValidator {
  readonly #signer: Ed25519Signer;
  readonly #storage: SignStateStorage;
  #last: LastSignState | undefined;

  private constructor(signer: Ed25519Signer, storage: SignStateStorage, last: LastSignState | undefined) {
    this.#signer = signer;
    this.#storage = storage;
    this.#last = last;
  }

  static async load(signer: Ed25519Signer, storage: SignStateStorage): Promise<PrivValidator> {
    return new PrivValidator(signer, storage, await storage.load());
  }

  get address(): Uint8Array {
    return this.#signer.address;
  }

  get lastSignState(): LastSignState | undefined {
    return this.#last;
  }

  /** Signs a prevote or precommit; returns the signature and the timestamp actually signed. */
  async signVote(chainId: string, vote: Vote): Promise<{ signature: Uint8Array; timestamp: Timestamp }> {
    const step = vote.type === 1 ? SignStep.prevote : SignStep.precommit;
    const signBytes = voteSignBytes(chainId, vote);
    const check = checkHrs(this.#last, vote.height, vote.round, step);
    if (check.kind === "same") {
      if (bytesEqual(check.last.signBytes, signBytes))
        return { signature: check.last.signature, timestamp: check.last.timestamp };
      const withOldTime = voteSignBytes(chainId, { ...vote, timestamp: check.last.timestamp });
      if (bytesEqual(check.last.signBytes, withOldTime))
        return { signature: check.last.signature, timestamp: check.last.timestamp };
      throw new DoubleSignError(`conflicting vote at ${vote.height}/${vote.round}/${step}`);
    }
    return this.#signNew(vote.height, vote.round, step, signBytes, vote.timestamp);
  }

  async signProposal(
    chainId: string,
    proposal: Proposal,
  ): Promise<{ signature: Uint8Array; timestamp: Timestamp }> {
    const signBytes = proposalSignBytes(chainId, proposal);
    const check = checkHrs(this.#last, proposal.height, proposal.round, SignStep.propose);
    if (check.kind === "same") {
      if (bytesEqual(check.last.signBytes, signBytes))
        return { signature: check.last.signature, timestamp: check.last.timestamp };
      const withOldTime = proposalSignBytes(chainId, { ...proposal, timestamp: check.last.timestamp });
      if (bytesEqual(check.last.signBytes, withOldTime))
        return { signature: check.last.signature, timestamp: check.last.timestamp };
      throw new DoubleSignError(`conflicting proposal at ${proposal.height}/${proposal.round}`);
    }
    return this.#signNew(proposal.height, proposal.round, SignStep.propose, signBytes, proposal.timestamp);
  }

  async #signNew(height: bigint, round: number, step: number, signBytes: Uint8Array, timestamp: Timestamp) {
    const signature = this.#signer.sign(signBytes);
    const state: LastSignState = { height, round, step, signature, signBytes, timestamp };
    // Durable before the signature exists anywhere else: a crash after this point re-signs the same bytes.
    await this.#storage.save(state);
    this.#last = state;
    return { signature, timestamp };
  }
}

/** priv_validator_state.json, written with writeFileAtomic (temp file, fsync, rename, directory fsync).
 * Synchronously: the save is on the critical path of every own vote (the vote waits for it), and each
 * of its eight steps awaited through libuv was a turn of an event loop busy with tx ingress (the
 * devnet's sign-to-broadcast time was ~100-300 ms per vote under load). The main thread blocks for
 * the two fsyncs instead (1-15 ms on the devnet's disk), three times a height at most. */
export class FileSignStateStorage implements SignStateStorage {
  readonly #path: string;
  #dirReady = false;

  constructor(path: string) {
    this.#path = path;
  }

  async load(): Promise<LastSignState | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const json = JSON.parse(text) as Record<string, unknown>;
    if (json.height === "0" || json.signbytes === undefined || json.signbytes === "") return undefined;
    return {
      height: BigInt(json.height as string),
      round: Number(json.round),
      step: Number(json.step),
      signature: new Uint8Array(Buffer.from(String(json.signature), "base64")),
      signBytes: new Uint8Array(Buffer.from(String(json.signbytes), "hex")),
      timestamp: {
        seconds: BigInt(String((json.timestamp as { seconds: string }).seconds)),
        nanos: Number((json.timestamp as { nanos: number }).nanos),
      },
    };
  }

  async save(state: LastSignState): Promise<void> {
    if (!this.#dirReady) mkdirSync(dirname(this.#path), { recursive: true });
    this.#dirReady = true;
    const text = `${JSON.stringify(
      {
        height: state.height.toString(),
        round: state.round,
        step: state.step,
        signature: Buffer.from(state.signature).toString("base64"),
        signbytes: Buffer.from(state.signBytes).toString("hex").toUpperCase(),
        timestamp: { seconds: state.timestamp.seconds.toString(), nanos: state.timestamp.nanos },
      },
      null,
      2,
    )}\n`;
    writeFileAtomic(this.#path, text);
  }
}
