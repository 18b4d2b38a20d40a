/**
 * The word splitting of mfa_process and credential_process: the words bash would make of the same
 * line (bash is the reference the AWS CLI's shlex-style splitting and a person's test both follow).
 */
import { execFileSync } from 'node:child_process';
import { splitCommandLine } from '../../src/core/splitCommandLine';

const unclosed = (quote: string): Error => new Error(`unclosed ${quote}`);

// Lines without $, globs or operators: there bash does only what splitCommandLine does.
const lines = [
  'ykman oath accounts code --single aws',
  '  leading   and\ttabs  ',
  `'/opt/my tools/mfa' --name "alice's phone"`,
  'a\\ b c\\\\d',
  '"back\\"slash \\\\ \\$HOME \\` \\x"',
  `'single \\ keeps' "" ''`,
  'glued"double"\'single\'plain',
];

test.each(lines)('%j splits into the words bash makes', (line) => {
  const bash = execFileSync('bash', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' });
  expect(splitCommandLine(line, unclosed)).toEqual(bash === '' ? [] : bash.slice(0, -1).split('\0'));
});

test("a quote left open is the caller's error, naming the quote", () => {
  expect(() => splitCommandLine(`code 'abc`, unclosed)).toThrow("unclosed '");
  expect(() => splitCommandLine('code "abc', unclosed)).toThrow('unclosed "');
});
