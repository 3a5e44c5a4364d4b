// `sensorchain replay [--from-rpc URL]`: re-executes the chain from genesis into a scratch state and
// checks every app hash, results hash and commit (chain/replay.ts). Exit code 0 when everything
// matches, MISMATCH_EXIT_CODE when a hash or the stored state differs, 1 when replay could not run.
import type { Command } from "commander";
import { type ReplayReport, replayChain, replayFromRpc } from "../replay.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";
import { nodeUrl } from "./rpc-client.ts";

/** Exit code of an audit that ran and found a difference (1 is any failure to run). */
export const MISMATCH_EXIT_CODE = 2;

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "re-execute every block from genesis and check each app hash, results hash and commit (node stopped, or --from-rpc)",
    )
    .option("--from-rpc <url>", "fetch blocks, commits and validator sets from this node instead of the home")
    .option("--to <height>", "stop after this height")
    .option("--skip-state-check", "do not compare the final state key by key with the home's state")
    .action(async (flags: { fromRpc?: string; to?: string; skipStateCheck?: boolean }, command: Command) => {
      const context = commandContext(command);
      if (flags.to !== undefined && !/^[1-9][0-9]{0,18}$/.test(flags.to))
        throw new CliError("invalid_flag", `--to must be a positive height, got ${JSON.stringify(flags.to)}`);
      const options = {
        ...(flags.to === undefined ? {} : { toHeight: BigInt(flags.to) }),
        skipStateCheck: flags.skipStateCheck === true,
      };
      const report =
        flags.fromRpc === undefined
          ? await replayChain({ home: context.paths.home, ...options })
          : await replayFromRpc({ url: nodeUrl(flags.fromRpc), ...options });
      printOutput(summary(report), context.output);
      if (!replayMatches(report)) process.exitCode = MISMATCH_EXIT_CODE;
    });
}

export function replayMatches(report: ReplayReport): boolean {
  const stored =
    report.storedAppHash.length === 0 || Buffer.compare(report.storedAppHash, report.finalAppHash) === 0;
  return report.mismatches.length === 0 && (report.stateCheck?.stores.length ?? 0) === 0 && stored;
}

function summary(report: ReplayReport) {
  return {
    match: replayMatches(report),
    source: report.source,
    blocks: report.blocks,
    txs: report.txs,
    last_height: report.lastHeight,
    commits_verified: report.commitsVerified,
    seconds: Number(report.seconds.toFixed(3)),
    init_chain_seconds: Number(report.initChainSeconds.toFixed(3)),
    main_thread_cpu_us_per_tx: Math.round(report.mainThreadCpuMicrosPerTx),
    main_thread_cpu_seconds: Number(report.mainThreadCpuSeconds.toFixed(3)),
    preverify_wait_seconds: Number(report.preverifyWaitSeconds.toFixed(3)),
    preverified_txs: report.preverifiedTxs,
    verify_workers: report.verifyWorkers,
    chain_seconds: Number(report.chainSeconds.toFixed(3)),
    speedup_over_chain: report.seconds > 0 ? Number((report.chainSeconds / report.seconds).toFixed(1)) : 0,
    blocks_per_second: Math.round(report.blocksPerSecond),
    txs_per_second: Math.round(report.txsPerSecond),
    final_app_hash: Buffer.from(report.finalAppHash).toString("hex").toUpperCase(),
    stored_app_hash: Buffer.from(report.storedAppHash).toString("hex").toUpperCase(),
    mismatches: report.mismatches,
    state_check: report.stateCheck,
  };
}
