import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/config/duration';
import { parseRoleArn } from '../../src/config/roleArn';
import { expandSessionName, sanitizeSessionName, SESSION_NAME } from '../../src/config/sessionName';

const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

describe('parseDuration and formatDuration (properties)', () => {
  it('round-trips every whole number of seconds through its text', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 * 365 * 86400 }), (s) => parseDuration(formatDuration(s)) === s));
  });

  it('reads every h/m/s combination as their sum', () => {
    const part = fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined });
    fc.assert(
      fc.property(part, part, part, (h, m, s) => {
        fc.pre([h, m, s].some((x) => x !== undefined) && (h ?? 0) + (m ?? 0) + (s ?? 0) > 0);
        const text = `${h !== undefined ? `${h}h` : ''}${m !== undefined ? `${m}m` : ''}${s !== undefined ? `${s}s` : ''}`;
        return parseDuration(text) === (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
      }),
    );
  });

  it('refuses garbage with an error that names the value and what is allowed', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^\s*(\d+|(\d+h)?(\d+m)?(\d+s)?)\s*$/.test(text));
        expect(() => parseDuration(text)).toThrow(/allowed: a duration such as 900, 15m, 1h or 1h30m/);
      }),
    );
  });

  it('refuses fractions and negatives', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n) || n <= 0),
        (n) => {
          expect(() => parseDuration(n)).toThrow();
        },
      ),
    );
  });
});

describe('parseRoleArn (properties)', () => {
  const name = fc.stringMatching(/^[\w+=,.@-]{1,64}$/);
  const account = fc.stringMatching(/^\d{12}$/);
  const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
  const path = fc.array(fc.stringMatching(/^[\w+=,.@-]{1,10}$/), { maxLength: 3 });

  it('takes apart every valid role ARN, path and all', () => {
    fc.assert(
      fc.property(partition, account, path, name, (p, a, segments, n) => {
        const rolePath = segments.length ? `/${segments.join('/')}/` : '/';
        const arn = `arn:${p}:iam::${a}:role${rolePath}${n}`;
        expect(parseRoleArn(arn)).toEqual({ partition: p, account: a, name: n, path: rolePath, arn });
      }),
    );
  });

  it('refuses anything that is not one', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\//.test(text));
        expect(() => parseRoleArn(text)).toThrow(/allowed: a role ARN/);
      }),
    );
  });
});

describe('sanitizeSessionName (properties)', () => {
  it("always matches STS's RoleSessionName pattern", () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => STS_SESSION_NAME.test(sanitizeSessionName(text))));
  });

  it('is idempotent', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => sanitizeSessionName(sanitizeSessionName(text)) === sanitizeSessionName(text)));
  });

  it('leaves a name that is already valid and tidy alone', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\w+=,.@-]{2,64}$/).filter((t) => !/--|^-|-$/.test(t)),
        (text) => sanitizeSessionName(text) === text,
      ),
    );
  });

  it('expands templates into valid names whatever the values hold', () => {
    const value = fc.string({ unit: 'binary', maxLength: 100 });
    fc.assert(
      fc.property(value, value, value, value, (user, dir, label, host) =>
        SESSION_NAME.test(expandSessionName('{user}-{dir}.{label}@{host}', { user, dir, label, host })),
      ),
    );
  });
});
