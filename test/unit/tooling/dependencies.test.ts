/**
 * Dependency hygiene: what package.json declares is exactly what the code imports. A runtime dependency nobody
 * imports is weight and attack surface for every user; an imported package that is not declared works only by
 * accident of hoisting; a test-only tool (cdk-nag, playwright-core) belongs in devDependencies.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

interface Manifest {
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Package names a set of files imports (static, dynamic and type-only), without Node's built-ins. */
function importedPackages(dirs: readonly string[]): Set<string> {
  const found = new Set<string>();
  const spec = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g;
  for (const file of dirs.flatMap(sources)) {
    for (const m of readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(spec)) {
      const s = m[1]!;
      if (s.startsWith('node:') || builtinModules.includes(s.split('/')[0]!)) continue;
      found.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
    }
  }
  return found;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('package.json dependencies', () => {
  const runtime = importedPackages(['src', 'bin']);
  const everywhere = importedPackages(['src', 'bin', 'test', 'bench', 'scripts']);

  it('declares as dependencies exactly the packages src/ and bin/ import', () => {
    assert.deepEqual(sorted(Object.keys(manifest.dependencies)), sorted(runtime));
  });

  it('declares every package tests, benches and scripts import', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]);
    assert.deepEqual(sorted([...everywhere].filter((p) => !declared.has(p))), []);
  });

  it('keeps test-only tools out of the runtime dependencies', () => {
    for (const tool of ['cdk-nag', 'playwright-core', 'typescript', '@types/node']) {
      assert.equal(manifest.dependencies[tool], undefined, `${tool} is a devDependency`);
    }
  });

  it('pins every version exactly', () => {
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name}@${version}`);
    }
  });
});
