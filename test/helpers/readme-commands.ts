/**
 * The shell commands of a Markdown file, in order: every line of its ```sh and ```bash blocks,
 * with `\` continuations joined and comment-only lines dropped. A block right after an HTML
 * comment `<!-- readme-test: skip REASON -->` is returned with that reason instead of run.
 */
export interface ReadmeCommand {
  /** The command as a shell would read it (continuations joined). */
  readonly text: string;
  /** 1-based line of the README where the command starts. */
  readonly line: number;
  /** Why the whole block is not run, from its `readme-test: skip` comment. */
  readonly skip: string | null;
}

const FENCE = /^```(\w*)\s*$/;
const SKIP_MARK = /^<!--\s*readme-test:\s*skip\s+(.+?)\s*-->$/;

export function readmeCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split("\n");
  const commands: ReadmeCommand[] = [];
  let inBlock = false;
  let runBlock = false;
  let skip: string | null = null;
  let pending: { text: string; line: number } | null = null;
  let previous = "";
  for (const [index, line] of lines.entries()) {
    const fence = FENCE.exec(line);
    if (fence !== null && !inBlock) {
      inBlock = true;
      runBlock = fence[1] === "sh" || fence[1] === "bash";
      skip = SKIP_MARK.exec(previous.trim())?.[1] ?? null;
      continue;
    }
    if (fence !== null && inBlock) {
      inBlock = false;
      continue;
    }
    if (line.trim() !== "") previous = line;
    if (!inBlock || !runBlock) continue;
    const trimmed = line.trim();
    if (pending === null && (trimmed === "" || trimmed.startsWith("#"))) continue;
    const continued = trimmed.endsWith("\\");
    const piece = continued ? trimmed.slice(0, -1).trimEnd() : trimmed;
    const started: { text: string; line: number } =
      pending === null
        ? { text: piece, line: index + 1 }
        : { text: `${pending.text} ${piece}`, line: pending.line };
    pending = started;
    if (!continued) {
      commands.push({ ...started, skip });
      pending = null;
    }
  }
  return commands;
}
