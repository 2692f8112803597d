import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSizes,
  contentHash,
  MANIFEST_FORMAT,
  manifestFor,
  MAX_DAG_FILE_BYTES,
  parseManifest,
  planUpload,
  type BundleManifest,
  type LocalFile,
  type RemoteObject,
} from '../../../src/dags/plan.js';
import { UserError } from '../../../src/errors/user-error.js';

const f = (path: string, sha: string, size = 10): LocalFile => ({ path, sha256: sha.repeat(64 / sha.length), size });
const o = (path: string, size = 10): RemoteObject => ({ path, size });
const manifest = (files: LocalFile[]): BundleManifest => manifestFor(files, 'arn:aws:iam::123456789012:user/dev', new Date(0));

describe('planUpload', () => {
  const a = f('a.py', 'a');
  const b = f('etl/b.py', 'b');
  const b2 = f('etl/b.py', 'c');
  const cases: {
    name: string;
    local: LocalFile[];
    remote: RemoteObject[];
    manifest: BundleManifest | undefined;
    added: string[];
    changed: string[];
    removed: string[];
    unchanged: number;
  }[] = [
    { name: 'first deploy: everything is new', local: [b, a], remote: [], manifest: undefined, added: ['a.py', 'etl/b.py'], changed: [], removed: [], unchanged: 0 },
    { name: 'same digests and sizes: nothing to do', local: [a, b], remote: [o('a.py'), o('etl/b.py')], manifest: manifest([a, b]), added: [], changed: [], removed: [], unchanged: 2 },
    { name: 'an edited file is changed', local: [a, b2], remote: [o('a.py'), o('etl/b.py')], manifest: manifest([a, b]), added: [], changed: ['etl/b.py'], removed: [], unchanged: 1 },
    { name: 'a file gone locally is removed', local: [a], remote: [o('a.py'), o('etl/b.py')], manifest: manifest([a, b]), added: [], changed: [], removed: ['etl/b.py'], unchanged: 1 },
    { name: 'no manifest: existing objects upload again (cannot prove them equal)', local: [a], remote: [o('a.py')], manifest: undefined, added: [], changed: ['a.py'], removed: [], unchanged: 0 },
    { name: 'an object resized behind our back uploads again', local: [a], remote: [o('a.py', 99)], manifest: manifest([a]), added: [], changed: ['a.py'], removed: [], unchanged: 0 },
    { name: 'an object the manifest does not list is removed when not local', local: [a], remote: [o('a.py'), o('stray.py')], manifest: manifest([a]), added: [], changed: [], removed: ['stray.py'], unchanged: 1 },
    { name: 'a manifest entry whose object is missing uploads as new', local: [a, b], remote: [o('a.py')], manifest: manifest([a, b]), added: ['etl/b.py'], changed: [], removed: [], unchanged: 1 },
    { name: 'an unknown manifest format counts as none', local: [a], remote: [o('a.py')], manifest: { ...manifest([a]), format: MANIFEST_FORMAT + 1 }, added: [], changed: ['a.py'], removed: [], unchanged: 0 },
    { name: 'an empty folder removes everything', local: [], remote: [o('a.py'), o('etl/b.py')], manifest: manifest([a, b]), added: [], changed: [], removed: ['a.py', 'etl/b.py'], unchanged: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planUpload(c.local, c.remote, c.manifest);
      assert.deepEqual(p.added.map((x) => x.path), c.added);
      assert.deepEqual(p.changed.map((x) => x.path), c.changed);
      assert.deepEqual(p.removed, c.removed);
      assert.equal(p.unchanged, c.unchanged);
      assert.equal(p.contentHash, contentHash(c.local));
    });
  }
});

describe('contentHash', () => {
  const cases: [string, LocalFile[], LocalFile[], boolean][] = [
    ['is independent of order', [f('a.py', 'a'), f('b.py', 'b')], [f('b.py', 'b'), f('a.py', 'a')], true],
    ['changes with a file content', [f('a.py', 'a')], [f('a.py', 'b')], false],
    ['changes with a rename', [f('a.py', 'a')], [f('c.py', 'a')], false],
    ['changes with an added file', [f('a.py', 'a')], [f('a.py', 'a'), f('b.py', 'b')], false],
  ];
  for (const [name, x, y, equal] of cases) {
    it(name, () => assert.equal(contentHash(x) === contentHash(y), equal));
  }
});

describe('checkSizes', () => {
  const cases: [string, LocalFile[], RegExp | undefined][] = [
    ['accepts files up to the limit', [f('a.py', 'a', MAX_DAG_FILE_BYTES)], undefined],
    ['refuses a file over the limit, naming it and its size', [f('a.py', 'a'), f('data/big.csv', 'b', MAX_DAG_FILE_BYTES + 1)], /dags\/data\/big\.csv: 5\.0 MiB/],
  ];
  for (const [name, files, problem] of cases) {
    it(name, () => {
      if (!problem) return checkSizes(files, 'dags');
      assert.throws(
        () => checkSizes(files, 'dags'),
        (e: unknown) => {
          assert.ok(UserError.is(e));
          assert.equal(e.exitCode, 2);
          assert.equal(e.code, 'DAG_FILE_TOO_LARGE');
          assert.match(e.message, /1 file\(s\) in dags exceed the 5\.0 MiB limit/);
          assert.match(e.details.join('\n'), problem);
          return true;
        },
      );
    });
  }
});

describe('manifest', () => {
  it('records digests, sizes, who and when, and reads back', () => {
    const m = manifestFor([f('b.py', 'b', 3), f('a.py', 'a', 2)], 'arn:aws:iam::123456789012:user/dev', new Date('2026-01-02T03:04:05Z'));
    assert.equal(m.uploadedAt, '2026-01-02T03:04:05.000Z');
    assert.deepEqual(Object.keys(m.files), ['a.py', 'b.py']);
    assert.deepEqual(m.files['a.py'], { sha256: 'a'.repeat(64), size: 2 });
    assert.deepEqual(parseManifest(JSON.stringify(m)), m);
  });
  const bad: [string, string | undefined][] = [
    ['nothing', undefined],
    ['an empty folder marker', ''],
    ['not JSON', '{nope'],
    ['another format', JSON.stringify({ format: 99, contentHash: 'x', files: {} })],
    ['no files', JSON.stringify({ format: MANIFEST_FORMAT, contentHash: 'x' })],
  ];
  for (const [name, text] of bad) it(`reads ${name} as no manifest`, () => assert.equal(parseManifest(text), undefined));
});
