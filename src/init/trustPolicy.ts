import type { Env } from '../core/context';
import { ConfigError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { loadUserConfig } from '../config/loadUserConfig';
import { resolveDirectoryProject } from '../config/resolveProject';

/**
 * The trust policy that the role of `dir`'s project needs, for the account of the person's MFA
 * device; says on stderr how to apply it.
 */
export async function trustPolicyFor(dir: string, deps: { env: Env; reporter: Reporter }): Promise<string> {
  const userConfig = await loadUserConfig(deps.env);
  const project = await resolveDirectoryProject(dir, deps.env, userConfig);
  if (project.sso) {
    throw new ConfigError(
      `trust policy: ${project.projectFile} uses permission set ${project.sso.roleName} of IAM Identity Center, which provisions its role and that role's trust policy itself; there is nothing to apply (assign the permission set in IAM Identity Center instead)`,
    );
  }
  const serial = project.mfaSerial ?? project.source.mfaSerial;
  const account = serial ? /^arn:[\w-]+:iam::(\d{12}):mfa\//.exec(serial)?.[1] : undefined;
  if (!account) {
    throw new ConfigError(
      `trust policy: source '${project.sourceName}' has no MFA device recorded in ${userConfig.file}, so the account of your IAM user is unknown; run \`awsdir add ${project.sourceName}\` first`,
    );
  }
  const { renderTrustPolicy } = await import('../security/renderTrustPolicy');
  deps.reporter.info(
    `trust policy for ${project.role.arn} (${project.label}); apply it with: /usr/bin/aws iam update-assume-role-policy --role-name ${project.role.name} --policy-document file://trust.json`,
  );
  return renderTrustPolicy({ account });
}
