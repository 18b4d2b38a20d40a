import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountAliasesFile, ANSWER_KEPT_MS, FAILURE_KEPT_MS, knownAccountAlias, rememberAccountAlias } from '../../src/credentials/accountAliases';

let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), 'awsdir-aliases-'));
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

const NOW = Date.parse('2026-11-29T12:00:00Z');

test('an alias, or the answer that there is none, is known for 30 days; a failed lookup for one', () => {
  expect(knownAccountAlias(state, '222222222222', undefined, NOW)).toBeUndefined();
  rememberAccountAlias(state, '222222222222', undefined, { alias: 'acme-production' }, NOW);
  rememberAccountAlias(state, '333333333333', undefined, {}, NOW);
  rememberAccountAlias(state, '444444444444', undefined, 'failed', NOW);
  expect(knownAccountAlias(state, '222222222222', undefined, NOW + ANSWER_KEPT_MS)).toEqual({ alias: 'acme-production' });
  expect(knownAccountAlias(state, '222222222222', undefined, NOW + ANSWER_KEPT_MS + 1)).toBeUndefined();
  expect(knownAccountAlias(state, '333333333333', undefined, NOW + 1000)).toEqual({});
  expect(knownAccountAlias(state, '444444444444', undefined, NOW + FAILURE_KEPT_MS)).toEqual({});
  expect(knownAccountAlias(state, '444444444444', undefined, NOW + FAILURE_KEPT_MS + 1)).toBeUndefined();
  // A record from the future (a clock set back since) is looked up again.
  expect(knownAccountAlias(state, '222222222222', undefined, NOW - 1000)).toBeUndefined();
});

test('another IAM endpoint (an emulator) has accounts of its own', () => {
  rememberAccountAlias(state, '222222222222', 'http://127.0.0.1:4566', { alias: 'local' }, NOW);
  expect(knownAccountAlias(state, '222222222222', undefined, NOW)).toBeUndefined();
  expect(knownAccountAlias(state, '222222222222', 'http://127.0.0.1:4566', NOW)).toEqual({ alias: 'local' });
  expect(knownAccountAlias(state, '222222222222', 'http://127.0.0.1:4567', NOW)).toBeUndefined();
});

test('a file that is not what it should be counts as empty, and is replaced by the next answer', () => {
  for (const text of ['not json', '[]', '{"222222222222": {"alias": 7, "at": 1}}', '{"222222222222": {"alias": "x"}}']) {
    writeFileSync(accountAliasesFile(state), text);
    expect(knownAccountAlias(state, '222222222222', undefined, NOW)).toBeUndefined();
  }
  rememberAccountAlias(state, '222222222222', undefined, { alias: 'acme-production' }, NOW);
  expect(JSON.parse(readFileSync(accountAliasesFile(state), 'utf8'))).toEqual({ '222222222222': { alias: 'acme-production', at: NOW } });
});
