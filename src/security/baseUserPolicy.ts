import document from '../../templates/iam/base-user-policy.json';

/**
 * The policy of a base IAM user under awsdir (templates/iam/base-user-policy.json): assume roles,
 * read its own setup, manage its own MFA device, rotate its own keys with MFA, nothing else.
 * `awsdir doctor` compares what a user is granted against it.
 */
export const baseUserPolicy: { Version: string; Statement: Array<Record<string, unknown>> } = document;

export function renderBaseUserPolicy(): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
