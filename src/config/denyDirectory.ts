import type { Env } from '../core/context';
import { denyProject, isAllowed } from './approval';
import { loadUserConfig } from './loadUserConfig';
import { resolveDirectoryProject } from './resolveProject';
import type { ResolvedProject } from './types';

export interface Denied {
  /** The project file nearest to the directory. */
  projectFile: string;
  /** Whether its approval was there to forget. */
  removed: boolean;
  /** Allowed project files below it that are gone, forgotten instead of projectFile. */
  vanished: string[];
  /** With vanished files: the project the directory falls to now, when it resolves, and whether it is used as it is. */
  successor?: { project: ResolvedProject | undefined; allowed: boolean };
}

/**
 * Forgets the approval of the project file that governs `dir` or, where allowed files below it
 * were deleted, of those; then the directory is left to the nearest file, used only if allowed.
 */
export async function denyDirectory(dir: string, env: Env): Promise<Denied> {
  const denied = denyProject(dir, env);
  if (denied.vanished.length === 0) return denied;
  let project: ResolvedProject | undefined;
  try {
    project = await resolveDirectoryProject(dir, env, await loadUserConfig(env));
  } catch {
    // Invalid or unreadable: every command that uses it says why.
  }
  return { ...denied, successor: { project, allowed: project !== undefined && isAllowed(project, env, dir) } };
}
