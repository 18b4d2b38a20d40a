import type { AssumeRoleInput, AwsCredentials, IssuedCredentials, SessionTokenInput } from '../aws/types';
import type { MfaCodeProvider } from '../mfa/createMfaCodeProvider';
import type { SourceLike } from './sourceCredentials';
import type { SsoTarget } from './sso';

/** The STS calls the chain makes, as src/aws/sdk.ts's client answers them. */
export interface StsCalls {
  getSessionToken(input: SessionTokenInput): Promise<IssuedCredentials>;
  assumeRole(input: AssumeRoleInput): Promise<IssuedCredentials & { assumedRoleArn: string }>;
}

/**
 * Everything the chain reaches beyond reading its cache: the source keys, MFA codes, STS, IAM and
 * the lock other awsdir processes wait on. The full CLI hands the providers the real ones
 * (awsFetcher.ts); the cache-hit path hands them `offHitPath`, so the same composition that
 * serves a hit answers anything more with NotOnHitPath.
 */
export interface Fetcher {
  /** The long-term keys of a source: keychain, shared credentials file or environment. */
  sourceKeys(source: SourceLike): Promise<AwsCredentials>;
  /** An STS client signed with the given credentials. */
  sts(credentials: AwsCredentials): StsCalls;
  /** Gets an MFA code and spends it on `call`. */
  mfa: MfaCodeProvider;
  /**
   * The alias of `account`, for the summary line: as looked up before (accountAliases.ts), or with
   * iam:ListAccountAliases by the role session of that account; undefined when it is denied or there
   * is none.
   */
  accountAlias(credentials: AwsCredentials, account: string): Promise<string | undefined>;
  /** Runs fn holding the named inter-process lock, so that many processes give one prompt and one STS call. */
  lock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Role credentials of a permission set in an account (GetRoleCredentials), with the target's
   * access token: the keychain's, refreshed, or a sign-in in the browser when there is a terminal.
   */
  ssoRoleCredentials(target: SsoTarget, accountId: string, roleName: string): Promise<IssuedCredentials>;
}

/** What the cache-hit path answers to anything it cannot serve from the cache: the full CLI takes over. */
export class NotOnHitPath extends Error {
  constructor(what: string) {
    super(`${what} is not on the cache-hit path`);
    this.name = 'NotOnHitPath';
  }
}

const miss = (what: string) => (): never => {
  throw new NotOnHitPath(what);
};

export const offHitPath: Fetcher = {
  sourceKeys: miss('reading source keys'),
  sts: miss('STS'),
  mfa: { use: miss('an MFA code') },
  accountAlias: miss('IAM'),
  lock: miss('the session lock'),
  ssoRoleCredentials: miss('IAM Identity Center'),
};
