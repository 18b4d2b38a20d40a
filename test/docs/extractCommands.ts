/**
 * How the docs mark what a test runs (docs/README.md says the same for writers):
 * - a line beginning with `$ ` inside a fenced code block is a command; a line ending in `\`
 *   continues on the next line; every other line of a block is output or file content;
 * - a fenced block tagged sh, bash, shell or console must hold at least one `$ ` line, so a block
 *   of commands cannot go untested by leaving out the `$ `;
 * - a trailing comment marks a command the test cannot run, visibly for the reader too:
 *   `# needs real AWS`, `# installs software`, `# asks on the terminal`, `# opens a browser`,
 *   `# runs until stopped`; `# exit N` says the command is expected to exit with N;
 * - `<!-- doc-test: fresh -->` anywhere in a page: its commands start from a machine where only
 *   the key is stored (as `awsdir add` leaves it); otherwise from the setup of getting-started
 *   (key stored, direnv helper installed, ~/production/yatteiki and ~/development initialised and
 *   allowed).
 */
export interface DocCommand {
  file: string;
  line: number;
  command: string;
  /** Why the test does not run it, when it does not. */
  skip?: string;
  expectExit: number;
}

const SKIP_MARKERS = ['needs real AWS', 'installs software', 'asks on the terminal', 'opens a browser', 'runs until stopped'];
const SHELL_TAGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh', 'fish']);

export function extractCommands(file: string, text: string): { commands: DocCommand[]; problems: string[]; fresh: boolean } {
  const lines = text.split('\n');
  const commands: DocCommand[] = [];
  const problems: string[] = [];
  let fence: { marker: string; tag: string; line: number; count: number } | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      if (open) fence = { marker: open[1] ?? '```', tag: (open[2] ?? '').toLowerCase(), line: i + 1, count: 0 };
      continue;
    }
    if (line.trim().startsWith(fence.marker)) {
      if (SHELL_TAGS.has(fence.tag) && fence.count === 0)
        problems.push(`${file}:${fence.line}: a ${fence.tag} block without a \`$ \` line; mark its commands with \`$ \``);
      fence = undefined;
      continue;
    }
    const start = /^\s*\$ (.*)$/.exec(line);
    if (!start) continue;
    fence.count += 1;
    const first = i + 1;
    let command = start[1] ?? '';
    while (command.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      command = `${command.slice(0, -1)}\n${lines[i] ?? ''}`;
    }
    const marker = /\s#\s*(needs real AWS|installs software|asks on the terminal|opens a browser|runs until stopped|exit (\d+))\b[^'"]*$/.exec(command);
    const skip = marker && SKIP_MARKERS.includes(marker[1] ?? '') ? marker[1] : undefined;
    commands.push({ file, line: first, command, ...(skip ? { skip } : {}), expectExit: marker?.[2] ? Number(marker[2]) : 0 });
  }
  if (fence) problems.push(`${file}:${fence.line}: a code block that is never closed`);
  return { commands, problems, fresh: /<!--\s*doc-test:\s*fresh\s*-->/.test(text) };
}
