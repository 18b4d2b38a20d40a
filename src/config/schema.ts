import * as z from 'zod/mini';
import { DURATION_HELP, parseDuration } from './duration';
import { ROLE_ARN_HELP, ROLE_NAME, parseRoleArn } from './roleArn';
import { templateProblem } from './sessionName';

/**
 * The shapes of the project file and the user file. Loaded only on the slow path (a changed
 * file): the cache-hit path never needs it. Each check's message says what was wrong; `ALLOWED`
 * says what is allowed, so every error names both.
 */
const ACCOUNT = /^\d{12}$/;
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const SOURCE_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

/** An IAM Identity Center permission set's name, which names the role it provisions (AWSReservedSSO_NAME_...). */
export const PERMISSION_SET = /^[\w+=,.@-]{1,32}$/;
export const PERMISSION_SET_HELP = 'the name of a permission set assigned to you, such as AdministratorAccess';

export const START_URL_HELP = 'the https URL of your AWS access portal, such as https://corp.awsapps.com/start';
export const SSO_REGION_HELP = 'the region of your IAM Identity Center instance, such as eu-west-1';

/**
 * What is wrong with an IAM Identity Center start URL, or undefined. The device flow sends it to
 * AWS and the person's browser goes to the portal it names: plain http, or a password in the URL,
 * has no place there.
 */
export function startUrlProblem(url: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = /\s/.test(url) ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== 'https:' || parsed.hostname === '')
    return `not an https URL (got ${JSON.stringify(url.length > 80 ? `${url.slice(0, 77)}...` : url)})`;
  if (parsed.username !== '' || parsed.password !== '') return 'holds a user name or password, which the portal never needs';
  return undefined;
}

function durationBetween(min: number, max: number) {
  return z.union([z.string(), z.number()], 'must be a duration').check(
    z.superRefine((value: string | number, ctx) => {
      let seconds: number;
      try {
        seconds = parseDuration(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a duration', input: value });
        return;
      }
      if (seconds < min || seconds > max) ctx.addIssue({ code: 'custom', message: 'out of range', input: value });
    }),
  );
}

const template = z.string('must be text').check(
  z.superRefine((value: string, ctx) => {
    const problem = templateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

const account = z
  .union([z.string(), z.number()], 'must be a 12-digit account id')
  .check(z.refine((value: string | number) => ACCOUNT.test(String(value)), 'not a 12-digit account id (quote it, so a leading 0 survives)'));

const role = z.string('must be text').check(
  z.refine((value: string) => {
    if (value.startsWith('arn:')) {
      try {
        parseRoleArn(value);
        return true;
      } catch {
        return false;
      }
    }
    return (
      value
        .split('/')
        .filter(Boolean)
        .every((part) => ROLE_NAME.test(part)) && value.length <= 576
    );
  }, 'not a role ARN or role name'),
);

export const projectSchema = z.strictObject({
  version: z.optional(z.literal(1, 'must be 1')),
  extends: z.optional(z.string('must be a path').check(z.minLength(1, 'must not be empty'))),
  profile: z.optional(z.string('must be a profile name').check(z.regex(/^[\w.+@-]{1,128}$/, 'not a profile name'))),
  role: z.optional(role),
  account: z.optional(account),
  // Whether a region exists (this one and sts_region) is checked against AWS's list by parseConfigYaml.
  region: z.optional(z.string('must be text')),
  duration: z.optional(durationBetween(15 * 60, 12 * 3600)),
  source: z.optional(z.string('must be a source name').check(z.regex(SOURCE_NAME, 'not a source name'))),
  label: z.optional(
    z.string('must be text').check(
      z.maxLength(64, 'longer than 64 characters'),
      z.minLength(1, 'must not be empty'),
      // Printable only: a label ends up in prompts and terminal titles.
      z.refine((value: string) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value), 'holds a control or invisible character'),
    ),
  ),
  confirm: z.optional(z.boolean('must be true or false')),
  session_name: z.optional(template),
  external_id: z.optional(z.string('must be text').check(z.regex(EXTERNAL_ID, 'not a valid external id'))),
  source_identity: z.optional(template),
  mfa: z.optional(z.boolean('must be true or false')),
  // With an IAM Identity Center source: which account and permission set, instead of role:.
  sso: z.optional(
    z.strictObject(
      {
        account,
        role: z.string('must be a permission set name').check(z.regex(PERMISSION_SET, 'not a permission set name')),
      },
      'must be a mapping such as { account: "222222222222", role: AdministratorAccess }',
    ),
  ),
});
export type ProjectFileData = z.infer<typeof projectSchema>;

const sourceSchema = z.nullable(
  z.strictObject({
    access_key_id: z.optional(z.string('must be text').check(z.regex(/^AKIA[A-Z0-9]{16}$/, 'not a long-term access key id'))),
    mfa_serial: z.optional(z.string('must be text').check(z.regex(MFA_SERIAL, 'not an MFA device serial'))),
    mfa_process: z.optional(z.string('must be a command line').check(z.minLength(1, 'must not be empty'))),
    session_duration: z.optional(durationBetween(15 * 60, 36 * 3600)),
    credentials_profile: z.optional(z.string('must be a profile name').check(z.regex(/^[\w.+@-]{1,128}$/, 'not a profile name'))),
    from_env: z.optional(z.boolean('must be true or false')),
    sso_start_url: z.optional(
      z.string('must be text').check(
        z.superRefine((value: string, ctx) => {
          const problem = startUrlProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
        }),
      ),
    ),
    // Whether it is a region AWS has is checked by parseConfigYaml, as for sts_region.
    sso_region: z.optional(z.string('must be text')),
    sso_session: z.optional(z.string('must be a session name').check(z.regex(/^[\w.+@-]{1,128}$/, 'not an sso-session name'))),
  }),
);

export const userSchema = z.strictObject({
  version: z.optional(z.literal(1, 'must be 1')),
  sources: z.optional(z.nullable(z.record(z.string().check(z.regex(SOURCE_NAME, 'not a source name')), sourceSchema))),
  keyring: z.optional(z.enum(['auto', 'os', 'file'], 'not a keyring backend')),
  refresh_window: z.optional(durationBetween(60, 3600)),
  sts_region: z.optional(z.string('must be text')),
});
export type UserFileData = z.infer<typeof userSchema>;

export const ALLOWED: Record<string, string> = {
  version: '1',
  extends: 'a path to another .awsdir.yaml, relative to this file, such as ../.awsdir.yaml',
  profile: 'the name of a profile in ~/.aws/config',
  role: `${ROLE_ARN_HELP}, or a role name with \`account:\``,
  account: 'a 12-digit AWS account id in quotes, such as "222222222222"',
  region: 'an AWS region such as eu-west-1',
  duration: `${DURATION_HELP}, from 15m to 12h`,
  source: 'the name of a source of your user file, such as default',
  label: 'printable text of 1 to 64 characters',
  confirm: 'true or false',
  session_name: 'a template of letters, digits, +=,.@_- and the placeholders {user} {dir} {label} {host}, such as "{user}-{dir}"',
  external_id: '2 to 1224 characters of letters, digits and +=,.@:/_-',
  source_identity: 'a template of letters, digits, +=,.@_- and the placeholders {user} {dir} {label} {host}, such as "{user}"',
  mfa: 'true or false',
  sso: 'a mapping { account: "222222222222", role: AdministratorAccess } naming an account and a permission set of an IAM Identity Center source',
  'sso.account': 'a 12-digit AWS account id in quotes, such as "222222222222", that IAM Identity Center assigns you',
  'sso.role': PERMISSION_SET_HELP,
  sources: 'a mapping of source names (letters, digits, ._-) to their settings',
  access_key_id: 'the id of a long-term access key, AKIA followed by 16 letters or digits',
  mfa_serial: 'an MFA device ARN such as arn:aws:iam::111111111111:mfa/alice',
  mfa_process: 'a command that prints a 6-digit code',
  session_duration: `${DURATION_HELP}, from 15m to 36h`,
  credentials_profile: 'the name of a profile in ~/.aws/credentials',
  from_env: 'true or false',
  sso_start_url: START_URL_HELP,
  sso_region: SSO_REGION_HELP,
  sso_session: 'the name of an [sso-session NAME] section of ~/.aws/config',
  keyring: 'auto, os or file',
  refresh_window: `${DURATION_HELP}, from 1m to 1h`,
  sts_region: 'an AWS region such as us-east-1',
};

export const PROJECT_KEYS = Object.keys(projectSchema.def.shape);
export const SSO_KEYS = ['account', 'role'];
export const USER_KEYS = Object.keys(userSchema.def.shape);
export const SOURCE_KEYS = [
  'access_key_id',
  'mfa_serial',
  'mfa_process',
  'session_duration',
  'credentials_profile',
  'from_env',
  'sso_start_url',
  'sso_region',
  'sso_session',
];
