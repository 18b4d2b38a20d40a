/** The user file in one import: reading it (cached) and editing it (comments kept). */
export { defaultUserConfig, loadUserConfig } from './loadUserConfig';
export { recordKeyringPick, recordSource, removeSource, updateUserConfig } from './updateUserConfig';
