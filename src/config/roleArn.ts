import { ConfigError } from '../core/errors';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface RoleArn {
  partition: Partition;
  account: string;
  /** The role's name, without its path: what STS puts in the assumed-role ARN. */
  name: string;
  /** The IAM path, `/` when none: `arn:aws:iam::1:role/team/admin` has path `/team/`. */
  path: string;
  arn: string;
}

export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role(\/(?:[\x21-\x7e]+\/)?)?([^/]*)$/;
export const ROLE_ARN_HELP = 'a role ARN such as arn:aws:iam::222222222222:role/admin (partition aws, aws-cn or aws-us-gov)';

export function parseRoleArn(arn: string): RoleArn {
  const fail = (why: string): never => {
    throw new ConfigError(`role ${JSON.stringify(arn)}: ${why}; allowed: ${ROLE_ARN_HELP}`);
  };
  if (typeof arn !== 'string' || arn.length > 2048) return fail('not a role ARN');
  const match = ROLE_ARN.exec(arn);
  if (!match) {
    if (/^arn:[^:]*:sts::\d{12}:assumed-role\//.test(arn)) return fail('this is an assumed-role session ARN, not the role');
    if (/^arn:[^:]*:iam::\d{12}:user\//.test(arn)) return fail('this is a user ARN, not a role');
    if (/^arn:[^:]*:iam::[^:]*:/.test(arn) && !/^arn:[^:]*:iam::\d{12}:/.test(arn)) return fail('the account must be 12 digits');
    return fail('not a role ARN');
  }
  const [, partition = '', account = '', rawPath, name = ''] = match;
  if (!(PARTITIONS as readonly string[]).includes(partition)) return fail(`unknown partition '${partition}'`);
  if (!ROLE_NAME.test(name)) return fail('the role name must be 1-64 characters of letters, digits and +=,.@_-');
  const path = rawPath ?? '/';
  if (path.length > 512) return fail('the role path is longer than 512 characters');
  return { partition: partition as Partition, account, name, path, arn };
}

/** `role: admin` with `account:` in the project file; the region picks the partition. */
export function buildRoleArn(role: string, account: string, region?: string): string {
  const partition: Partition = region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const trimmed = role.replace(/^\/+/, '');
  return `arn:${partition}:iam::${account}:role/${trimmed}`;
}
