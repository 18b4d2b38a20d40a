/** The AWS Query protocol's XML, shaped as STS and IAM send it, so real clients parse it unchanged. */
export const NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;
export type Service = keyof typeof NAMESPACES;

export type XmlValue = string | number | boolean | Date | undefined | XmlValue[] | { [name: string]: XmlValue };

/** An answer AWS would give as ErrorResponse; `type` is Sender for the caller's mistakes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// A raw CR is read back as LF by every XML parser (line-end normalisation); only &#13; keeps it.
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\r/g, '&#13;');
}

/**
 * Characters no XML 1.0 document can hold, raw or as a character reference: NUL and the other C0
 * controls but tab, LF and CR, U+FFFE, U+FFFF and lone surrogates. No STS answer can carry them.
 */
// With the u flag a surrogate pair is one code point, so the surrogate range matches lone ones only.
// eslint-disable-next-line no-control-regex -- these control characters are what XML 1.0 cannot hold
export const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;

/** AWS timestamps: ISO 8601 in UTC without milliseconds. */
export function awsDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function render(value: XmlValue): string {
  if (value === undefined) return '';
  if (value instanceof Date) return awsDate(value);
  if (Array.isArray(value)) return value.map((item) => `<member>${render(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${render(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function resultXml(service: Service, action: string, result: { [name: string]: XmlValue } | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${action}Result>${render(result)}</${action}Result>`;
  return `<${action}Response xmlns="${NAMESPACES[service]}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

export function errorXml(service: Service, error: ApiError, requestId: string): string {
  return `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}
