import { Command } from "commander";
import { packageVersion } from "../core/package-version.js";
import { registerConfigCommands } from "./commands/config-show.js";
import { registerDataCommands } from "./commands/data.js";
import { registerGui } from "./commands/gui.js";
import { registerMemoryCommands } from "./commands/memory/register.js";
import { registerTrainActV1 } from "./commands/train-actv1.js";

export function buildProgram(): Command {
  const program = new Command("aios")
    .description(
      "Train HRM-ACTV1 language models from streaming data sources, with a persistent vector memory.",
    )
    .version(packageVersion(), "-V, --version", "print the version of aios")
    .option("--debug", "print stack traces with errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true });

  const hrm = program.command("hrm-hf").description("HRM-ACTV1 training on GPT-2 tokens");
  registerTrainActV1(hrm);

  const data = program.command("data").description("look at and convert datasets");
  registerDataCommands(data);

  const config = program.command("config").description("inspect the resolved configuration");
  registerConfigCommands(config);

  const memory = program
    .command("memory")
    .description(
      "the vector store (memory.vector_store): upsert, query, delete, stats, index, backup and restore collections",
    );
  registerMemoryCommands(memory);

  registerGui(program);
  return program;
}
