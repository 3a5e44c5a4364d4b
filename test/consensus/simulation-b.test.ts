import { simulationSeedsTest } from "./simulation-seeds.ts";

simulationSeedsTest(101, 100);
