import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { childEnvironment } from '../core/childEnvironment';

/** Runs `direnv allow DIR`; a missing direnv or its refusal is an error in direnv's own words. */
export async function runDirenvAllow(dir: string, env: Env): Promise<void> {
  const { execa } = await import('execa');
  try {
    await execa('direnv', ['allow', dir], { env: childEnvironment(env), extendEnv: false, stdin: 'ignore', timeout: 15000 });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') throw new AwsdirError(`direnv is not on PATH; install it (https://direnv.net), then run \`direnv allow ${dir}\``);
    throw new AwsdirError(`direnv allow ${dir} failed: ${(e.stderr || e.shortMessage || String(error)).trim()}; run it yourself to see why`);
  }
}
