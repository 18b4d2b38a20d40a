import { loadAwsSdk } from '../../aws/loadAwsSdk';
import type { Context } from '../../core/context';
import { ExitCode } from '../exitCodes';
import type { RegisterCommand } from '../program';
import { createReporter, paint } from '../../core/reporter';
import { CHECK_IDS, type CheckResult } from '../../doctor/checkResult';
import { runProgram } from '../../doctor/runProgram';
import { runDoctor } from '../../doctor/runDoctor';

export const registerDoctor: RegisterCommand = (program, ctx, outcome) => {
  program
    .command('doctor')
    .description('check this setup for what is wrong or unsafe, and say how to fix it')
    .option('--json', 'print the checks as JSON: a list of {id, status, message, fix}')
    .option('--source <name>', "the source whose key the AWS checks use (default: 'default')")
    .option('--mfa-code <code>', 'an MFA code, for IAM reads that your policy allows only with MFA')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir doctor
  $ awsdir doctor --json | jq -r '.[] | select(.status != "pass") | .id'
  $ awsdir doctor --mfa-code 123456        # when your policy demands MFA for IAM reads

Checks (ids are stable): ${CHECK_IDS.join(', ')}.
Each is pass, warn or fail; the exit status is 1 when any check fails. The AWS checks use the
source's key; when a read needs MFA and no --mfa-code is given, they warn instead of prompting.`,
    )
    .action(async (options: { json?: boolean; source?: string; mfaCode?: string }) => {
      const results = await doctor(options, ctx);
      ctx.io.stdout(options.json ? `${JSON.stringify(results, null, 2)}\n` : formatResults(results, createReporter(ctx).color));
      const failed = results.filter((r) => r.status === 'fail').length;
      const warned = results.filter((r) => r.status === 'warn').length;
      createReporter(ctx).info(`${results.length} checks: ${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}`);
      if (failed) outcome.exitCode = ExitCode.failure;
    });
};

export function doctor(options: { source?: string; mfaCode?: string }, ctx: Context): Promise<CheckResult[]> {
  const mfaCode = options.mfaCode ?? ctx.env.AWSDIR_MFA_CODE;
  return runDoctor(
    { ...(options.source ? { source: options.source } : {}), ...(mfaCode ? { mfaCode } : {}) },
    { env: ctx.env, nodePath: ctx.self.node, run: runProgram(ctx.env), reporter: createReporter(ctx), now: () => ctx.now(), loadAws: loadAwsSdk },
  );
}

const MARK = { pass: ['32', 'pass'], warn: ['33', 'warn'], fail: ['31', 'FAIL'] } as const;

export function formatResults(results: CheckResult[], color: boolean): string {
  const width = Math.max(...results.map((r) => r.id.length));
  return results
    .map((r) => {
      const [code, word] = MARK[r.status];
      const head = `${color ? paint(code, word) : word}  ${r.id.padEnd(width)}  ${r.message}`;
      return r.fix ? `${head}\n${' '.repeat(6 + width + 2)}fix: ${r.fix}\n` : `${head}\n`;
    })
    .join('');
}
