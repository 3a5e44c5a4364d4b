// `npm start --dev` makes its single validator commit days by itself: the dev home's config names an
// operator key file (mode 600) whose key is the operator of the genesis poa validator.
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { loadOperatorKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { createDevHome } from "../../chain/cli/start.ts";
import { loadConfig } from "../../chain/config.ts";
import { loadGenesis } from "../../genesis/genesis.ts";

test("the dev home's operator key file holds the key operating its validator", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-devhome-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const dev = await createDevHome(home);
  const config = loadConfig(home, {});
  t.is(config.mqtt.operatorKeyFile, "config/operator_key.json");
  t.is(statSync(join(home, config.mqtt.operatorKeyFile)).mode & 0o777, 0o600);
  const key = loadOperatorKey(home, config.mqtt.operatorKeyFile);
  t.is(key.address, dev.address);
  const genesis = loadGenesis(join(home, "config/genesis.json"));
  const poa = genesis.json.app_state.poa as { validators: { operator: string }[] };
  t.deepEqual(
    poa.validators.map((v) => v.operator),
    [key.address],
  );
});
