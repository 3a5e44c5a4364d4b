import { simulationSeedsTest } from "./simulation-seeds.ts";

simulationSeedsTest(1, 100);
