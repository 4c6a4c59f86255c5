#!/usr/bin/env node
import { buildProgram } from "./program.js";
import { runMain } from "./run-main.js";

await runMain(buildProgram(), process.argv);
