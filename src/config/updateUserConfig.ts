import { existsSync } from 'node:fs';
import type { Document } from 'yaml';
import type { Env } from '../core/context';
import { userConfigFile } from './paths';
import type { KeyringPreference } from './types';
import { writeFileAtomic } from '../core/writeFileAtomic';

/**
 * Edits the user file in place through yaml's Document API, so the person's comments, order and
 * layout survive; the result is validated before it replaces the old file (atomically; a new file
 * is 0600, an existing one keeps its mode, and a link into a dotfiles repository stays a link).
 */
export async function updateUserConfig(env: Env, mutate: (doc: Document) => void): Promise<void> {
  const { parseDocument } = require('yaml') as typeof import('yaml');
  const { readConfigFile } = require('./readConfigFile') as typeof import('./readConfigFile');
  const { userConfigFromText } = require('./parseUserConfig') as typeof import('./parseUserConfig');
  const file = userConfigFile(env);
  const before = existsSync(file) ? readConfigFile(file).text : '';
  // Validate what is there first: never build on a file we would refuse to read.
  if (before.trim() !== '') userConfigFromText(file, before);
  const doc = parseDocument(before.trim() === '' ? 'version: 1\n' : before);
  mutate(doc);
  const after = doc.toString();
  userConfigFromText(file, after);
  writeFileAtomic(file, after, { personal: true });
}

/** Records what `awsdir add` learnt: the access key id (not secret) and the MFA device. */
export function recordSource(env: Env, name: string, details: { accessKeyId?: string; mfaSerial?: string }): Promise<void> {
  return updateUserConfig(env, (doc) => {
    if (!doc.hasIn(['sources', name]) || doc.getIn(['sources', name]) === null) doc.setIn(['sources', name], doc.createNode({}));
    if (details.accessKeyId !== undefined) doc.setIn(['sources', name, 'access_key_id'], details.accessKeyId);
    if (details.mfaSerial !== undefined) doc.setIn(['sources', name, 'mfa_serial'], details.mfaSerial);
  });
}

/**
 * Records an IAM Identity Center source: its start URL and region, or the [sso-session] of
 * ~/.aws/config it reuses. Whatever the source said before is replaced, never mixed with these.
 */
export function recordSsoSource(env: Env, name: string, settings: { startUrl: string; region: string } | { ssoSession: string }): Promise<void> {
  return updateUserConfig(env, (doc) => {
    const fields = 'ssoSession' in settings ? { sso_session: settings.ssoSession } : { sso_start_url: settings.startUrl, sso_region: settings.region };
    // `sources:` with nothing under it is a null, not a mapping to add to.
    const { isMap } = require('yaml') as typeof import('yaml');
    const sources = doc.get('sources', true);
    // `sources:` with nothing under it is a null, not a mapping to add to; an emptied one is `{}`,
    // which would keep every source on one line.
    if (!isMap(sources)) doc.set('sources', doc.createNode({}));
    else if (sources.items.length === 0) sources.flow = false;
    doc.setIn(['sources', name], doc.createNode(fields));
  });
}

export function removeSource(env: Env, name: string): Promise<void> {
  return updateUserConfig(env, (doc) => {
    doc.deleteIn(['sources', name]);
  });
}

/** `keyring: auto` remembers its pick once, so a briefly missing Secret Service never moves secrets. */
export function recordKeyringPick(env: Env, backend: Exclude<KeyringPreference, 'auto'>): Promise<void> {
  return updateUserConfig(env, (doc) => {
    doc.set('keyring', backend);
  });
}
