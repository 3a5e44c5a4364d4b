// The chain state before block 1 and the InitChain request, both derived from the genesis file
// (CometBFT state.MakeGenesisState and the handshake's InitChain).

import type { Genesis } from "../../genesis/genesis.ts";
import type { InitChainRequest } from "../app/abci.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import type { Validator } from "../types/block.ts";
import type { ChainState } from "./chain-state.ts";
import { incrementProposerPriority } from "./tendermint/proposer.ts";

export function genesisValidators(genesis: Genesis): Validator[] {
  const validators = genesis.validators.map((v) => ({
    address: ed25519Address(v.pubKey),
    pubKey: v.pubKey,
    votingPower: v.power,
    proposerPriority: 0n,
  }));
  // CometBFT validator set order: voting power descending, then address ascending.
  return validators.sort((a, b) =>
    a.votingPower !== b.votingPower
      ? a.votingPower > b.votingPower
        ? -1
        : 1
      : Buffer.compare(a.address, b.address),
  );
}

export function genesisInitChainRequest(genesis: Genesis): InitChainRequest {
  return {
    time: genesis.genesisTime,
    chainId: genesis.chainId,
    consensusParams: genesis.consensusParams,
    validators: genesis.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })),
    appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.appState ?? {})),
    initialHeight: genesis.initialHeight,
  };
}

export function genesisChainState(genesis: Genesis, appHash: Uint8Array): ChainState {
  // MakeGenesisState: NewValidatorSet increments priorities once (picking the first proposer), and
  // the next set is a copy incremented once more.
  const current = incrementProposerPriority(genesisValidators(genesis), 1);
  const next = incrementProposerPriority(current.validators, 1);
  return {
    chainId: genesis.chainId,
    initialHeight: genesis.initialHeight,
    lastBlockHeight: genesis.initialHeight - 1n,
    lastBlockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
    lastBlockTime: genesis.genesisTime,
    validators: current.validators,
    validatorsProposer: current.proposer.address,
    nextValidators: next.validators,
    nextValidatorsProposer: next.proposer.address,
    lastValidators: [],
    consensusParams: genesis.consensusParams,
    lastResultsHash: new Uint8Array(),
    appHash,
  };
}
