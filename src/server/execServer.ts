import type { Context } from '../core/context';
import { childEnvironment } from '../core/childEnvironment';
import type { DirectoryIdentity } from '../credentials/enterDirectory';
import { directorySource } from './directorySource';
import { newToken, startEndpoint, tokenDigest, type TokenOwner } from './endpoint';
import { serverVariables } from './serverExports';
import { defaultProfileShadowing } from './shadowing';

export interface ExecServer {
  /** What the command's environment gets instead of keys. */
  variables: { set: Record<string, string>; unset: string[] };
  close(): Promise<void>;
}

/**
 * The server of `awsdir exec --server`, inside the awsdir process and for as long as the command
 * runs (as aws-vault's --ecs-server): one directory, one token, which only the command's
 * environment holds. The code for a new MFA session was asked for before the command started, if
 * it was needed; while the command runs it has the terminal, so the server asks nobody, and a
 * renewal that needs a code is an error the command's AWS tools show, said once on stderr as well.
 */
export async function startExecServer(ctx: Context, dir: string, identity: DirectoryIdentity, command: string): Promise<ExecServer> {
  const { reporter, project } = identity;
  const source = directorySource({
    // The server's own renewals take no code given to this run: it was spent on the way in.
    ctx: { ...ctx, env: childEnvironment(ctx.env) },
    dir,
    what: 'exec --server',
    codeNeeded: (why) =>
      `exec --server: ${why}; awsdir cannot ask for it while ${command} runs: end it and run it again with \`awsdir exec --server\` to enter the code, or set mfa_process for the source in the user file`,
    seed: identity,
  });
  let said = '';
  const owner: TokenOwner = {
    async credentials() {
      try {
        return await source.credentials();
      } catch (error) {
        const message = (error as Error).message;
        // Many tools ask again and again: say each new trouble once.
        if (message !== said) reporter.warn(message);
        said = message;
        throw error;
      }
    },
  };
  const token = newToken();
  const digest = tokenDigest(token);
  const endpoint = await startEndpoint({
    owner: (d) => (d === digest ? owner : undefined),
    refusal: 'awsdir exec --server: that is not the token awsdir gave its command',
    log: (line) => reporter.debug(`exec --server: ${line}`),
  });
  reporter.debug(`exec --server: serving ${dir} at ${endpoint.url}`);
  const shadow = defaultProfileShadowing(ctx.env);
  if (shadow)
    reporter.warn(
      `${shadow}, which the AWS CLI and SDKs take before the credential server; move it to a named profile so that ${command} acts as ${project.label}`,
    );
  return {
    variables: serverVariables(project, identity.assumedRoleArn, { url: endpoint.url, token }),
    close: () => endpoint.close(),
  };
}
