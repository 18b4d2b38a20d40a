/**
 * Every process awsdir starts gets its environment from childEnvironment (src/core), which leaves
 * out awsdir's own MFA code and file keyring passphrase. The sources are parsed (swc, as jest
 * does) to find every call of a function from node:child_process or execa, however it is imported,
 * and each must pass `env: childEnvironment(...)` (directly or through a const), with
 * `extendEnv: false` for execa, which otherwise adds the whole of process.env to what it is given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSync } from '@swc/core';
import { childEnvironment } from '../../src/core/childEnvironment';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const PROCESS_MODULES = new Set(['child_process', 'node:child_process', 'execa']);
const CORE_MODULE = /(^|\/)core\/childEnvironment$/;

// swc's AST is plain JSON; a loose shape keeps the walk short.
type Node = { type: string; span?: { start: number }; [key: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

/** Child nodes, skipping type annotations (`ReturnType<typeof spawn>` starts nothing). */
function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'typeAnnotation' || key === 'typeArguments' || key === 'typeParameters' || key === 'returnType' || key === 'typeParams') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isNode(item)) out.push(item);
      else if (typeof item === 'object' && item !== null && isNode((item as { expression?: unknown }).expression))
        out.push((item as { expression: Node }).expression);
    }
  }
  return out;
}

function walk(node: Node, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  visit(node, parent);
  for (const child of children(node)) walk(child, visit, node);
}

function unwrap(node: Node | undefined): Node | undefined {
  let n = node;
  while (n && ['AwaitExpression', 'ParenthesisExpression', 'TsAsExpression', 'TsNonNullExpression', 'TsSatisfiesExpression'].includes(n.type)) {
    n = (n.argument ?? n.expression) as Node;
  }
  return n;
}

const name = (node: unknown): string | undefined =>
  isNode(node) && (node.type === 'Identifier' || node.type === 'StringLiteral') ? (node.value as string) : undefined;

/** `require('m')` or `import('m')` of a module that starts processes. */
function loadsProcessModule(init: Node | undefined): boolean {
  const call = unwrap(init);
  if (call?.type !== 'CallExpression') return false;
  const callee = call.callee as Node;
  const isLoader = callee.type === 'Import' || name(callee) === 'require';
  const first = (call.arguments as Array<{ expression: Node }>)[0]?.expression;
  return isLoader && PROCESS_MODULES.has(name(first) ?? '');
}

function propertyKey(prop: Node): string | undefined {
  if (prop.type === 'Identifier') return prop.value as string; // shorthand `{ env }`
  if (prop.type === 'KeyValueProperty') return name(prop.key);
  return undefined;
}

/** Whether a spread in an options object could bring an `env` of its own. */
function mayHoldEnv(expr: Node | undefined): boolean {
  const e = unwrap(expr);
  if (!e) return true;
  if (e.type === 'ObjectExpression') return (e.properties as Node[]).some((p) => p.type === 'SpreadElement' || propertyKey(p) === 'env');
  if (e.type === 'ConditionalExpression') return mayHoldEnv(e.consequent as Node) || mayHoldEnv(e.alternate as Node);
  return true;
}

export interface ProcessStart {
  where: string;
  what: string;
  problem?: string;
}

/** Every call that starts a process in one source file, each with what is wrong with its env, if anything. */
export function processStarts(file: string, source: string): ProcessStart[] {
  // A first token at offset 0 anchors swc's byte offsets to this file.
  const text = `0;\n${source}`;
  const module = parseSync(text, { syntax: 'typescript', target: 'es2022' }) as unknown as Node;
  const base = module.span?.start ?? 0;
  const bytes = Buffer.from(text);
  const lineOf = (node: Node): number =>
    bytes
      .subarray(0, (node.span?.start ?? base) - base)
      .toString()
      .split('\n').length - 1;

  const functions = new Map<string, string>(); // local name -> module.export
  const namespaces = new Map<string, string>(); // local name -> module
  const consts = new Map<string, Node[]>(); // local name -> initialisers
  let coreImported = false;
  walk(module, (node) => {
    if (node.type === 'ImportDeclaration' && !node.typeOnly) {
      const from = name(node.source) ?? '';
      // A module of src/core imports it from beside itself.
      if (CORE_MODULE.test(from) || (file.startsWith('src/core/') && from === './childEnvironment'))
        coreImported = (node.specifiers as Node[]).some((s) => name(s.local) === 'childEnvironment' && !s.imported);
      if (!PROCESS_MODULES.has(from)) return;
      for (const s of node.specifiers as Node[]) {
        if (s.isTypeOnly) continue;
        const local = name(s.local) ?? '';
        if (s.type === 'ImportSpecifier') functions.set(local, `${from}.${name(s.imported) ?? local}`);
        else namespaces.set(local, from);
      }
    }
    if (node.type === 'VariableDeclarator') {
      const id = node.id as Node;
      const init = node.init as Node | undefined;
      if (id.type === 'Identifier' && init) consts.set(id.value as string, [...(consts.get(id.value as string) ?? []), init]);
      if (!loadsProcessModule(init)) return;
      const from = name((unwrap(init)!.arguments as Array<{ expression: Node }>)[0]!.expression)!;
      if (id.type === 'Identifier') namespaces.set(id.value as string, from);
      for (const p of id.type === 'ObjectPattern' ? (id.properties as Node[]) : []) {
        const exported = name(p.key) ?? '';
        const local = p.type === 'KeyValuePatternProperty' ? (name(p.value) ?? exported) : exported;
        functions.set(local, `${from}.${exported}`);
      }
    }
  });

  const builtHere = (expr: Node | undefined): boolean => {
    const e = unwrap(expr);
    if (e?.type === 'CallExpression') return coreImported && name(e.callee) === 'childEnvironment';
    if (e?.type === 'Identifier') {
      const inits = consts.get(e.value as string) ?? [];
      return inits.length > 0 && inits.every((init) => builtHere(init));
    }
    return false;
  };

  const starts: ProcessStart[] = [];
  const callees = new Set<Node>();
  walk(module, (node) => {
    if (node.type !== 'CallExpression') return;
    const callee = node.callee as Node;
    let what: string | undefined;
    if (callee.type === 'Identifier') what = functions.get(callee.value as string);
    if (callee.type === 'MemberExpression' && name(callee.object) && namespaces.has(name(callee.object)!)) {
      what = `${namespaces.get(name(callee.object)!)}.${name(callee.property) ?? '?'}`;
      callees.add(callee.object as Node);
    }
    if (!what) return;
    callees.add(callee);
    const where = `${file}:${lineOf(node)}`;
    const options = (node.arguments as Array<{ spread: unknown; expression: Node }>).map((a) => a.expression).filter((a) => a.type === 'ObjectExpression');
    const props = options.flatMap((o) => o.properties as Node[]);
    const envAt = props.findIndex((p) => propertyKey(p) === 'env');
    let problem: string | undefined;
    if (envAt < 0) problem = 'no env option: the child inherits all of process.env';
    else {
      const prop = props[envAt]!;
      if (!builtHere(prop.type === 'Identifier' ? prop : (prop.value as Node)))
        problem = 'its env is not built by childEnvironment (src/core/childEnvironment.ts)';
      else if (props.slice(envAt + 1).some((p) => p.type === 'SpreadElement' && mayHoldEnv(p.arguments as Node))) problem = 'a spread after env may replace it';
    }
    if (
      !problem &&
      what.startsWith('execa.') &&
      !props.some((p) => propertyKey(p) === 'extendEnv' && (p.value as Node)?.type === 'BooleanLiteral' && (p.value as Node).value === false)
    ) {
      problem = 'execa without extendEnv: false adds process.env to the env it is given';
    }
    starts.push({ where, what, ...(problem ? { problem } : {}) });
  });

  // A process function passed around or renamed (`const run = spawn`) would start processes this scan cannot see.
  const bound = new Set([...functions.keys(), ...namespaces.keys()]);
  walk(module, (node, parent) => {
    if (node.type !== 'Identifier' || !bound.has(node.value as string) || callees.has(node)) return;
    if (
      parent &&
      ['ImportSpecifier', 'ImportDefaultSpecifier', 'ImportNamespaceSpecifier', 'AssignmentPatternProperty', 'KeyValuePatternProperty'].includes(parent.type)
    )
      return;
    if (parent?.type === 'VariableDeclarator' && parent.id === node) return;
    // A property name (`child.spawn`, `{ spawn: ... }`) is not the binding.
    if ((parent?.type === 'MemberExpression' && parent.property === node) || (parent?.type === 'KeyValueProperty' && parent.key === node)) return;
    if (parent?.type === 'CallExpression' && parent.callee === node) return;
    starts.push({
      where: `${file}:${lineOf(node)}`,
      what: node.value as string,
      problem: 'used other than by calling it, so what it starts cannot be checked',
    });
  });
  return starts;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the scan of src/', () => {
  const files = sourceFiles(SRC).map((path) => ({ file: relative(ROOT, path), source: readFileSync(path, 'utf8') }));
  const starts = files.flatMap(({ file, source }) => processStarts(file, source));

  test('every call that starts a process passes an env built by childEnvironment', () => {
    expect(starts.filter((s) => s.problem).map((s) => `${s.where}: ${s.what}: ${s.problem}`)).toEqual([]);
  });

  test('it sees every file that loads child_process or execa, so no call site is overlooked', () => {
    const loading = files
      .filter(({ source }) => /['"](node:)?child_process['"]|['"]execa['"]/.test(source.replace(/^import type .*$/gm, '')))
      .map((f) => f.file);
    const seen = new Set(starts.map((s) => s.where.replace(/:\d+$/, '')));
    expect(loading.filter((f) => !seen.has(f))).toEqual([]);
    // The opener, exec's command, credential_process, mfa_process, the keychain lister and direnv allow at least.
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });
});

describe('the scan itself', () => {
  const problems = (source: string): Array<string | undefined> => processStarts('x.ts', source).map((s) => s.problem);
  const core = "import { childEnvironment } from '../core/childEnvironment';\n";

  test('finds a call that forgets env, however the function was imported', () => {
    expect(problems("import { spawn } from 'node:child_process';\nspawn('x', [], { stdio: 'ignore' });")).toEqual([expect.stringMatching(/^no env option/)]);
    expect(problems("const { execFile: run } = require('child_process');\nrun('x', []);")).toEqual([expect.stringMatching(/^no env option/)]);
    expect(problems("import * as cp from 'node:child_process';\ncp.execFileSync('ps');")).toEqual([expect.stringMatching(/^no env option/)]);
    expect(problems("async function f() { const { execa } = await import('execa');\nawait execa('direnv', ['allow']); }")).toEqual([
      expect.stringMatching(/^no env option/),
    ]);
  });

  test('finds an env not built by childEnvironment, or one a spread may replace', () => {
    expect(problems(`${core}import { spawn } from 'node:child_process';\nspawn('x', [], { env: { ...process.env } });`)).toEqual([
      expect.stringMatching(/not built by childEnvironment/),
    ]);
    expect(
      problems(
        `import { spawn } from 'node:child_process';\nfunction childEnvironment(e) { return e; }\nspawn('x', [], { env: childEnvironment(process.env) });`,
      ),
    ).toEqual([expect.stringMatching(/not built by childEnvironment/)]);
    expect(problems(`${core}import { spawn } from 'node:child_process';\nspawn('x', [], { env: childEnvironment(e), ...options });`)).toEqual([
      expect.stringMatching(/spread after env/),
    ]);
  });

  test('finds execa that would add process.env, and a process function passed around', () => {
    expect(problems(`${core}import { execa } from 'execa';\nexeca('x', [], { env: childEnvironment(e) });`)).toEqual([
      expect.stringMatching(/extendEnv: false/),
    ]);
    expect(problems("import { spawn } from 'node:child_process';\nconst run = spawn;")).toEqual([expect.stringMatching(/used other than by calling it/)]);
  });

  test('passes a call whose env is built by childEnvironment, directly or through a const', () => {
    expect(
      problems(`${core}import { spawn } from 'node:child_process';\nconst env = childEnvironment(e);\nspawn('x', [], { env, ...(s ? { signal: s } : {}) });`),
    ).toEqual([undefined]);
    expect(problems(`${core}import { execa } from 'execa';\nexeca('x', [], { env: childEnvironment(e, { set: {} }), extendEnv: false });`)).toEqual([
      undefined,
    ]);
  });
});

describe('childEnvironment', () => {
  test("leaves out awsdir's MFA code and passphrase, keeps everything else, then unsets and sets what it is told", () => {
    const base = { PATH: '/bin', HOME: '/home/a', AWSDIR_MFA_CODE: '123456', AWSDIR_FILE_PASSPHRASE: 'secret', AWS_PROFILE: 'p', EMPTY: undefined };
    expect(childEnvironment(base)).toEqual({ PATH: '/bin', HOME: '/home/a', AWS_PROFILE: 'p' });
    expect(childEnvironment(base, { unset: ['AWS_PROFILE'], set: { AWS_REGION: 'eu-west-1' } })).toEqual({
      PATH: '/bin',
      HOME: '/home/a',
      AWS_REGION: 'eu-west-1',
    });
  });

  test("a value set on purpose (the demo unlocking its own throwaway keyring) is the caller's choice", () => {
    expect(childEnvironment({}, { set: { AWSDIR_FILE_PASSPHRASE: 'awsdir-demo', SKIPPED: undefined } })).toEqual({ AWSDIR_FILE_PASSPHRASE: 'awsdir-demo' });
  });

  test('imports nothing from src/cli', () => {
    const source = readFileSync(join(SRC, 'core', 'childEnvironment.ts'), 'utf8');
    expect(source).not.toMatch(/from ['"][^'"]*\/cli\//);
  });
});
