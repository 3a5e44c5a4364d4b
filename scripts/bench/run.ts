// `npm run bench`: every capability's benchmark, each figure beside the machine ceiling it is
// bounded by, measured in the same run. Pass names to run a subset: `npm run bench -- store tx`.
import { printCryptoFigures, runCryptoBench } from "./crypto.ts";

const benches: Record<string, () => Promise<void>> = {
  crypto: async () => printCryptoFigures(runCryptoBench()),
  store: async () => {
    const { runStoreBench } = await import("./store.ts");
    await runStoreBench({});
  },
  light: async () => {
    const { runLightBench } = await import("./light.ts");
    await runLightBench({});
  },
  device: async () => {
    const { runDeviceBench } = await import("./device.ts");
    await runDeviceBench({});
  },
  escrow: async () => {
    const { runEscrowBench } = await import("./escrow.ts");
    await runEscrowBench({});
  },
  market: async () => {
    const { runMarketBench } = await import("./market.ts");
    await runMarketBench({});
  },
  devnet: async () => {
    const { runDevnetBenchPair } = await import("./devnet.ts");
    await runDevnetBenchPair({});
  },
  replay: async () => {
    const { runReplayBench } = await import("./replay.ts");
    await runReplayBench({ compareWithoutPool: true });
  },
  tx: async () => {
    const { runTxBench } = await import("./tx.ts");
    await runTxBench({});
  },
  "external-bridge": async () => {
    const { runExternalBridgeBench } = await import("./external-bridge.ts");
    await runExternalBridgeBench({});
  },
  "device-verify": async () => {
    const { runDeviceVerifyBench } = await import("./device-verify.ts");
    await runDeviceVerifyBench({});
  },
  bridge: async () => {
    const { runBridgeBench } = await import("./bridge.ts");
    await runBridgeBench({});
  },
};

const selected = process.argv.slice(2).filter((name) => !name.startsWith("-"));
for (const name of selected.length > 0 ? selected : Object.keys(benches)) {
  const bench = benches[name];
  if (bench === undefined) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(", ")}`);
    process.exit(1);
  }
  console.log(`\n== ${name} ==`);
  await bench();
}
