import mfaTrust from '../../templates/iam/role-trust-policy.json';
import mfaAgeTrust from '../../templates/iam/role-trust-policy-mfa-age.json';
import { UsageError } from '../core/errors';

export interface TrustPolicyInit {
  /** The account whose IAM users may assume the role (where the base users live), not the role's. */
  account: string;
  /** Narrows the principal from the whole account to one user, e.g. arn:aws:iam::111111111111:user/alice. */
  userArn?: string;
  /**
   * Seconds since the MFA code was typed after which the role refuses to be assumed. Off by
   * default: awsdir's MFA session lasts 12h, so a short age forces a new code on most refreshes.
   */
  maxAgeSeconds?: number;
}

/**
 * The trust policy a directory's role needs: AssumeRole (and SetSourceIdentity, for
 * `source_identity:`) only with MFA, filled in from templates/iam. Returns pretty JSON ready to paste
 * into the console or `aws iam update-assume-role-policy --policy-document`.
 */
export function renderTrustPolicy(init: TrustPolicyInit): string {
  if (!/^\d{12}$/.test(init.account))
    throw new UsageError(`trust policy: account '${init.account}' is not a 12-digit AWS account id; give the account of your IAM users`);
  const partition = init.userArn ? /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):user\/[\w+=,.@/-]+$/.exec(init.userArn) : null;
  if (init.userArn && (!partition || partition[2] !== init.account)) {
    throw new UsageError(
      `trust policy: '${init.userArn}' is not an IAM user ARN in account ${init.account}; give one like arn:aws:iam::${init.account}:user/alice`,
    );
  }
  if (init.maxAgeSeconds !== undefined && (!Number.isInteger(init.maxAgeSeconds) || init.maxAgeSeconds < 900 || init.maxAgeSeconds > 129600)) {
    throw new UsageError(`trust policy: MFA age ${init.maxAgeSeconds} is outside 900..129600 seconds (the range of an MFA session); choose a value in it`);
  }
  const principal = init.userArn ?? `arn:aws:iam::${init.account}:root`;
  const template = init.maxAgeSeconds === undefined ? mfaTrust : mfaAgeTrust;
  const text = JSON.stringify(template, null, 2)
    .replaceAll('"{{principal}}"', JSON.stringify(principal))
    .replaceAll('"{{maxAgeSeconds}}"', JSON.stringify(String(init.maxAgeSeconds ?? '')));
  return `${text}\n`;
}
