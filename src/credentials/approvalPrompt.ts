import type { Context, Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { ResolvedProject } from '../config/types';
import { allowShownProject, approvalRefusal, describeSelection, type PendingApproval } from '../config/approval';
import { terminalQuestion } from '../mfa/readTty';

/** Asks one question on the terminal and returns the answer; undefined when there is no terminal. */
export type Ask = ((question: string) => Promise<string>) | undefined;

/** The question on /dev/tty, where the MFA prompt asks too (it works under direnv in bash, zsh and fish). */
export function approvalAsk(ctx: Pick<Context, 'signal'>): Ask {
  return terminalQuestion(ctx.signal, 'run `awsdir allow` for the directory');
}

// The question is written in raw mode: a line ends with CR LF.
const EOL = '\r\n';

function question(project: ResolvedProject, pending: PendingApproval): string {
  const selects = `it selects ${describeSelection(project)}`;
  if (pending.kind === 'new') return `awsdir: allow ${project.projectFile}? ${selects} [y/N] `;
  const lines = [`awsdir: ${pending.headline}${pending.changes.length > 0 ? ':' : ''}`];
  for (const change of pending.changes) lines.push(`  ${change}`);
  lines.push(`  ${selects}`);
  const ask = pending.kind === 'vanished' ? `allow ${project.projectFile} for ${pending.allowIn}? [y/N] ` : 'allow this change? [y/N] ';
  return [...lines, ask].join(EOL);
}

/**
 * A project file that is new or changed since it was allowed. On a terminal, the person is shown
 * what it selects (what changed in the identity, for a changed one) and asked, instead of being sent
 * to `awsdir allow` and back; "y" allows exactly what was shown. Without a terminal it is refused
 * as always, and "n" is a refusal that says how to allow it later.
 */
export async function allowOnTerminal(
  project: ResolvedProject,
  pending: PendingApproval,
  deps: { env: Env; dir: string; ask: Ask; reporter: Reporter; now: () => number; exported: string },
): Promise<void> {
  if (!deps.ask) throw approvalRefusal(project, pending);
  const answer = (await deps.ask(question(project, pending))).trim();
  if (!/^y(es)?$/i.test(answer)) {
    const answered = answer === '' ? 'no' : JSON.stringify(answer);
    throw new AwsdirError(
      `${project.projectFile}: not allowed, ${deps.exported} (you answered ${answered}); to allow it, run \`awsdir allow ${pending.allowIn}\``,
    );
  }
  allowShownProject(project, deps.env, deps.dir, new Date(deps.now()));
  const chain = project.files.length > 1 ? ` (with ${project.files.slice(1).join(', ')})` : '';
  const place = pending.kind === 'vanished' ? ` for ${pending.allowIn}` : '';
  deps.reporter.info(`allowed ${project.projectFile}${chain}${place}`);
}
