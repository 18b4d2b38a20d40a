import type { Context, Env } from '../core/context';
import type { AwsErrorContext } from '../aws/errors';
import type { IssuedCredentials } from '../aws/types';
import { loadUserConfig } from '../config/loadUserConfig';
import { enterDirectory, type DirectoryIdentity } from '../credentials/enterDirectory';
import type { Fetcher } from '../credentials/fetcher';
import { ServedError, type TokenOwner } from './endpoint';

/** What a served directory's messages need to say how to get a code in, for the server at hand. */
export type CodeNeeded = (why: string) => string;

/** Why the server wants a code it cannot ask for, in words. */
export function whyCodeNeeded(serial: string, context: AwsErrorContext): string {
  const source = context.sourceName ? `source '${context.sourceName}'` : 'the source';
  return context.action === 'GetSessionToken'
    ? `the MFA session of ${source} has ended (or there is none), and a new one needs a code from ${serial}`
    : `role ${context.roleArn ?? ''} lasts longer than 1 hour, so each of its sessions needs a code from ${serial}`;
}

/**
 * The fetcher of a server: everything as usual, except that an MFA code comes only from the
 * source's mfa_process. The server has no terminal (or the command under `exec --server` has it),
 * so a code it would have to ask a person for is an error the client shows, saying where to type it.
 */
export function withoutPrompt(fetch: Fetcher, codeNeeded: CodeNeeded): Fetcher {
  return {
    ...fetch,
    mfa: {
      use: (serial, mfaProcess, call, context) =>
        mfaProcess
          ? fetch.mfa.use(serial, mfaProcess, call, context)
          : Promise.reject(new ServedError(codeNeeded(whyCodeNeeded(serial, context)), 503, 'MfaCodeNeeded')),
    },
  };
}

/**
 * The credential server keeps sessions only in the keychain it reads: with `keyring: file` it
 * would have to hold the passphrase (or the key derived from it) for as long as it runs, so it
 * refuses instead (docs/security.md).
 */
export async function assertServerKeyring(env: Env, what: string): Promise<void> {
  const preference = env.AWSDIR_KEYRING || (await loadUserConfig(env)).keyring;
  if (preference === 'file') {
    throw new ServedError(
      `${what}: the credential server does not work with the file keyring, whose passphrase it would have to keep for as long as it runs; use \`use aws\` or \`use aws --credential-process\` (or \`awsdir exec\` without --server) instead, or keep sessions in the OS keychain (keyring: os)`,
      500,
      'FileKeyring',
    );
  }
}

export interface DirectorySourceOptions {
  /** The directory's context: its environment; messages go to the server's log or awsdir's stderr. */
  ctx: Context;
  dir: string;
  codeNeeded: CodeNeeded;
  /** What refuses to serve, for the keyring refusal. */
  what: string;
  /** Credentials in hand already (what `exec --server` just fetched), served while fresh. */
  seed?: DirectoryIdentity;
}

export interface DirectorySource extends TokenOwner {
  readonly dir: string;
  /** The identity of the last renewal, for the summary and the log. */
  readonly last: DirectoryIdentity | undefined;
}

/**
 * One directory's credentials as the server hands them out: the same chain as `awsdir export`
 * (approval, the keychain cache with its lock, the MFA session, STS), asked only when the
 * session in hand has less than the refresh window left, and once for any number of requests
 * that arrive meanwhile.
 */
export function directorySource(options: DirectorySourceOptions): DirectorySource {
  let last = options.seed;
  let pending: Promise<IssuedCredentials> | undefined;
  const fresh = (identity: DirectoryIdentity | undefined): identity is DirectoryIdentity =>
    identity !== undefined && identity.credentials.expiration.getTime() - options.ctx.now() > identity.windowSeconds * 1000;

  const renew = async (): Promise<IssuedCredentials> => {
    await assertServerKeyring(options.ctx.env, options.what);
    const identity = await enterDirectory(
      options.ctx,
      { dir: options.dir, command: 'server' },
      { wrapFetch: (fetch) => withoutPrompt(fetch, options.codeNeeded) },
    );
    identity.reporter.debug(
      `served ${options.dir}: ${identity.fromCache ? 'cached' : 'new'} session of ${identity.assumedRoleArn}, expires ${identity.credentials.expiration.toISOString()}`,
    );
    last = identity;
    return identity.credentials;
  };

  return {
    dir: options.dir,
    get last() {
      return last;
    },
    credentials() {
      if (fresh(last)) return Promise.resolve(last.credentials);
      pending ??= renew().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
