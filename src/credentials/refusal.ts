import { AwsdirError, isAwsdirError } from '../core/errors';
import { formatDuration } from '../config/duration';
import { isAccessDenied } from '../aws/errors';
import type { ChainProject } from './chainProject';
import type { CachedSession } from './sessionStore';

/**
 * AssumeRole refused. AWS gives one answer, "User: ARN is not authorized to perform:
 * sts:AssumeRole on resource: ROLE", for a role that does not exist, a trust policy that does not
 * name the user, a missing or wrong external id and an MFA older than aws:MultiFactorAuthAge
 * allows; only a refusal by the caller's own policies says why. What awsdir knows decides what is
 * named: the age of the MFA session, whether an external id was sent, whether MFA was.
 */

/**
 * An MFA session younger than this was not refused for its age: a trust policy that demands an
 * MFA of the last few minutes would refuse every role session it issued (900 seconds at least).
 */
export const MFA_AGE_PLAUSIBLE_SECONDS = 15 * 60;

/** The AWS error behind an AwsdirError that wraps it (mfa.use explains what it throws). */
function awsCause(error: unknown): unknown {
  return isAwsdirError(error) && error.cause !== undefined ? error.cause : error;
}

const BECAUSE = /\b(because no [\w -]+ allows the [\w:]+ action|with an explicit deny in an? [\w -]+)/;

function messageOf(error: unknown): string {
  const message = (awsCause(error) as { message?: unknown })?.message;
  return typeof message === 'string' ? message : '';
}

/**
 * A refusal whose reason AWS states (the caller's own policies, sts:SetSourceIdentity): never the
 * age of the MFA, so no new code is asked for it.
 */
export function refusalStatesItsReason(error: unknown): boolean {
  const text = messageOf(error);
  return BECAUSE.test(text) || /sts:SetSourceIdentity/.test(text);
}

/** A refusal of AssumeRole itself: not a wrong code or serial, not an expired or unknown token. */
export function isRoleRefusal(error: unknown): boolean {
  return isAccessDenied(awsCause(error));
}

/**
 * How long ago AWS authenticated the MFA of a session, as aws:MultiFactorAuthAge counts it: the
 * older of what this machine's clock says and what AWS's expiration says (it ends `requested`
 * seconds after AWS issued it), so that a clock corrected since then does not make it look new.
 */
export function mfaSessionAgeSeconds(session: CachedSession, nowMs: number, requestedSeconds: number): number {
  const byClock = (nowMs - Date.parse(session.issuedAt)) / 1000;
  const byExpiration = requestedSeconds - (Date.parse(session.expiration) - nowMs) / 1000;
  const age = Math.max(Number.isFinite(byClock) ? byClock : 0, Number.isFinite(byExpiration) ? byExpiration : 0);
  return Math.max(0, Math.floor(age));
}

/** "7 minutes", "2h", "2h5m". */
export function ageWords(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes === 0) return 'less than a minute';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return formatDuration(minutes * 60);
}

/** Why MFA age is not the reason, or undefined when it may be (then it is listed with the rest). */
export type MfaAgeVerdict = { kind: 'young'; ageSeconds: number } | { kind: 'code-just-given' } | { kind: 'new-session-refused-too' } | { kind: 'no-mfa' };

/** The refusal in words a person can act on: what it is not, then what to check, most likely first. */
export function explainRoleRefusal(error: unknown, project: ChainProject, mfa: MfaAgeVerdict): AwsdirError {
  const cause = awsCause(error);
  const text = messageOf(error);
  const caller = /User: (arn:\S+) is not authorized/.exec(text)?.[1];
  const who = caller ?? 'your user';
  const arn = project.role.arn;
  const file = project.projectFile;
  const options = { cause };

  // The caller's own policies, a permissions boundary or an organization's SCP: AWS says which.
  const because = BECAUSE.exec(text)?.[1];
  if (because) {
    return new AwsdirError(
      `role ${arn}: AWS refused AssumeRole to ${who} ${because}: the trust policy is not the problem; ask your administrator to allow sts:AssumeRole on ${arn} for ${who}`,
      options,
    );
  }
  if (/sts:SetSourceIdentity/.test(text) && project.sourceIdentity) {
    return new AwsdirError(
      `role ${arn}: its trust policy does not allow sts:SetSourceIdentity, which \`source_identity:\` in ${file} sends; ask your administrator to add "sts:SetSourceIdentity" to the Action of the statement that names ${who}, or remove \`source_identity:\` from ${file}`,
      options,
    );
  }

  const notAge =
    mfa.kind === 'young'
      ? `not the age of your MFA: the MFA session is ${ageWords(mfa.ageSeconds)} old`
      : mfa.kind === 'code-just-given'
        ? 'not the age of your MFA: the code was just given'
        : mfa.kind === 'new-session-refused-too'
          ? 'not the age of your MFA: a new MFA session was refused too'
          : 'no MFA was sent';
  const checks = [
    `\`role:\` in ${file} (role ${project.role.arn.split('/').pop() ?? arn} in account ${project.role.account}): a role that does not exist is refused the same way`,
    project.externalId
      ? `the external id ${project.externalId} of ${file} does not match what the role demands: ask its owner for the right one`
      : `no external id is set: if the role demands one, add \`external_id:\` to ${file} (or \`awsdir init --external-id ID\`)`,
    ...(mfa.kind === 'no-mfa' ? [`the role may demand MFA: remove \`mfa: false\` from ${file}`] : []),
    `the role's trust policy must name ${who} (or its account); \`awsdir init --print-trust-policy\` prints one for your administrator`,
  ];
  return new AwsdirError(`role ${arn} refused ${who} (AWS does not say why; ${notAge}); check ${checks.map((c, i) => `(${i + 1}) ${c}`).join('; ')}`, options);
}
