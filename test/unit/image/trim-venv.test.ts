/**
 * docker/trim-venv.py on a small virtualenv layout: what it removes, what it keeps, and that a stripped shared
 * object still loads and runs. The shared objects are compiled here with the host's cc (with and without -g), and
 * checked with readelf, the reference reader of ELF files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

const SCRIPT = path.join(REPO_ROOT, 'docker', 'trim-venv.py');

function run(bin: string, args: readonly string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.error) assert.fail(`${bin} is not installed (${r.error.message})`);
  assert.equal(r.status, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function sectionNames(file: string): string[] {
  return [...run('readelf', ['-S', '-W', file]).matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]!);
}

describe('trim-venv.py', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airflow-aws-trim-'));
  const site = path.join(dir, 'venv', 'lib', 'python3.11', 'site-packages');
  const pkg = path.join(site, 'pkg');
  const sizes: Record<string, number> = {};
  let output = '';

  before(() => {
    for (const d of ['tests/sub', 'testing', 'data']) mkdirSync(path.join(pkg, d), { recursive: true });
    const files: Record<string, string> = {
      '__init__.py': '',
      'tests/__init__.py': '',
      'tests/sub/test_a.py': 'def test(): pass\n',
      'testing/__init__.py': '# a runtime API named like tests\n',
      'tests.py': '# a module, not a tests directory\n',
      'stub.pyi': 'def f() -> int: ...\n',
      'speedups.c': 'int x;\n',
      'speedups.pyx': 'cdef int x\n',
      'speedups.pxd': 'cdef int x\n',
      'data/schema.h': '/* headers stay */\n',
      'not-elf.so': 'plain text named like a shared object\n',
    };
    for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(pkg, rel), content);
    // The top-level site-packages is not a package: a tests/ folder there is left alone.
    mkdirSync(path.join(site, 'tests'));
    writeFileSync(path.join(site, 'tests', 'keep.py'), '');
    const src = path.join(dir, 'native.c');
    writeFileSync(src, 'static int helper(int x) { return x * 2; }\nint answer(void) { return helper(21); }\n');
    run('cc', ['-shared', '-fPIC', '-g', '-O0', '-o', path.join(pkg, 'native_debug.so'), src]);
    run('cc', ['-shared', '-fPIC', '-O2', '-o', path.join(pkg, 'native_symtab.so.1'), src]);
    run('cc', ['-shared', '-fPIC', '-O2', '-s', '-o', path.join(pkg, 'native_stripped.so'), src]);
    for (const f of ['native_debug.so', 'native_symtab.so.1', 'native_stripped.so', 'not-elf.so']) sizes[f] = statSync(path.join(pkg, f)).size;
    output = run('python3', [SCRIPT, path.join(dir, 'venv')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('removes tests/ folders inside packages, type stubs and C/Cython sources, and says how much', () => {
    for (const gone of ['tests', 'stub.pyi', 'speedups.c', 'speedups.pyx', 'speedups.pxd']) assert.ok(!existsSync(path.join(pkg, gone)), gone);
    assert.match(output, /^trim-venv: removed 6 files, freed \d+\.\d MB$/m);
  });

  it('keeps runtime modules: testing/, a tests.py module, headers, package __init__, a top-level tests/ folder', () => {
    for (const kept of ['testing/__init__.py', 'tests.py', 'data/schema.h', '__init__.py']) assert.ok(existsSync(path.join(pkg, kept)), kept);
    assert.ok(existsSync(path.join(site, 'tests', 'keep.py')));
  });

  for (const f of ['native_debug.so', 'native_symtab.so.1']) {
    it(`drops the symbol table and debug sections of ${f}, keeps its dynamic symbols, and it still runs`, () => {
      const file = path.join(pkg, f);
      const names = sectionNames(file);
      assert.ok(!names.includes('.symtab') && !names.includes('.strtab'), names.join(' '));
      assert.ok(!names.some((n) => n.startsWith('.debug')), names.join(' '));
      assert.ok(names.includes('.dynsym') && names.includes('.shstrtab'));
      assert.match(run('readelf', ['--dyn-syms', '-W', file]), /\banswer\b/);
      assert.ok(statSync(file).size < sizes[f]!, `${f} smaller`);
      assert.equal(run('python3', ['-c', 'import ctypes, sys; print(ctypes.CDLL(sys.argv[1]).answer())', file]).trim(), '42');
    });
  }

  it('leaves an already stripped object and a file that is not ELF byte for byte as they were', () => {
    assert.equal(statSync(path.join(pkg, 'native_stripped.so')).size, sizes['native_stripped.so']);
    assert.equal(readFileSync(path.join(pkg, 'not-elf.so'), 'utf8'), 'plain text named like a shared object\n');
  });

  it('refuses to run without a virtualenv folder (exit 1, usage on stderr)', () => {
    const r = spawnSync('python3', [SCRIPT, path.join(dir, 'missing')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /usage: trim-venv\.py VENV/);
  });
});
