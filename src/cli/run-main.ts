import { type Command, CommanderError } from "commander";
import { isAiosError, oneLine } from "../core/errors.js";

/**
 * Runs the CLI and turns failures into one clear message: an AiosError prints its message and
 * hint and exits with its code (2 for bad input); anything else is a bug and prints the stack.
 * `--debug` (or AIOS_DEBUG=1) adds the stack to every error.
 */
export async function runMain(program: Command, argv: readonly string[]): Promise<void> {
  const debug = argv.includes("--debug") || process.env.AIOS_DEBUG === "1";
  // Subcommands copy settings when created, so the override must reach each one.
  forEachCommand(program, (command) => command.exitOverride());
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isAiosError(error)) {
      process.stderr.write(`aios: ${oneLine(error.message)}\n`);
      if (error.hint) process.stderr.write(`hint: ${oneLine(error.hint)}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `aios: unexpected error: ${error instanceof Error ? (debug ? error.stack : oneLine(error.message)) : oneLine(String(error))}\n`,
    );
    if (!debug)
      process.stderr.write("hint: run again with --debug for the stack trace, and report it\n");
    process.exitCode = 1;
  }
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}
