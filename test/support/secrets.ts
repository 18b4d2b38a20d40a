import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The role session's secret key and token from bash exports. */
export function sessionOf(stdout: string): { secretAccessKey: string; sessionToken: string; accessKeyId: string } {
  const get = (name: string): string => {
    const m = new RegExp(`export ${name}='([^']+)'`).exec(stdout);
    if (!m?.[1]) throw new Error(`no ${name} in: ${stdout.slice(0, 120)}`);
    return m[1];
  };
  return { accessKeyId: get('AWS_ACCESS_KEY_ID'), secretAccessKey: get('AWS_SECRET_ACCESS_KEY'), sessionToken: get('AWS_SESSION_TOKEN') };
}

/** Every regular file under dir (symlinks are not followed). */
export function walk(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...walk(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** The files under the dirs that contain any of the secrets (as text in any common encoding). */
export function filesHolding(dirs: string[], secrets: Iterable<string>): Array<{ file: string; secret: string }> {
  const found: Array<{ file: string; secret: string }> = [];
  const list = [...secrets].filter((s) => s.length >= 8);
  for (const file of dirs.flatMap(walk)) {
    const bytes = readFileSync(file);
    for (const secret of list) {
      if (bytes.includes(secret) || bytes.includes(Buffer.from(secret, 'utf16le')) || bytes.includes(Buffer.from(secret).toString('base64').slice(0, 40))) {
        found.push({ file, secret: `${secret.slice(0, 4)}...` });
      }
    }
  }
  return found;
}
