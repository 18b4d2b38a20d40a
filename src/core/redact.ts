/**
 * Last line of defence for debug output: masks anything shaped like an AWS secret, even if a
 * caller forgot. Access key ids keep their first and last four characters so a person can still
 * tell keys apart, as aws-vault does.
 */
const ACCESS_KEY_ID = /\b((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{8}([A-Z0-9]{4})\b/g;
// Secret access keys are 40 characters of base64; session tokens are long base64 runs.
const SECRET_LIKE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40,}(?![A-Za-z0-9/+=])/g;
const SECRET_FIELD =
  /("?(?:SecretAccessKey|SessionToken|secret_access_key|session_token|aws_secret_access_key|aws_session_token|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|TokenCode|SigninToken)"?\s*[:=]\s*"?)[^"\s,&}]+/g;

export function redact(text: string): string {
  return text.replace(SECRET_FIELD, '$1<redacted>').replace(SECRET_LIKE, '<redacted>').replace(ACCESS_KEY_ID, '$1********$2');
}
