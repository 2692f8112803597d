import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDockerfile, renderInstruction, shellWord } from '../../../src/image/dockerfile.js';
import { parseConfig } from '../../../src/config/load.js';
import { airflowExtras } from '../../../src/image/lock.js';
import { buildArgs, contentTag, imageDockerfile, imageInputs, renderImageDockerfile, type ImageInputs } from '../../../src/image/plan.js';

const inputs: ImageInputs = { name: 'demo', airflowVersion: '3.3.2', python: '3.12', baseImage: 'python:3.12-slim-bookworm', platform: 'linux/amd64', dagsInImage: true };
const plain = { wheelhouse: false, caBundle: false };

describe('Dockerfile rendering', () => {
  const words: [string, string][] = [
    ['/opt/venv/bin/pip', '/opt/venv/bin/pip'],
    ['--find-links', '--find-links'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", `'it'\\''s'`],
    ['${AIRFLOW_HOME}/dags', '"${AIRFLOW_HOME}/dags"'],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['a;b', "'a;b'"],
  ];
  for (const [word, quoted] of words) {
    it(`quotes the shell word ${JSON.stringify(word)} as ${quoted}`, () => assert.equal(shellWord(word), quoted));
  }

  it('renders RUN as argv commands chained with &&', () => {
    assert.equal(
      renderInstruction({ kind: 'run', commands: [['echo', 'a b'], ['true']] }),
      "RUN echo 'a b' \\\n && true",
    );
  });

  it('renders ENTRYPOINT/CMD in exec form (signals reach PID 1) and escapes ENV/LABEL values', () => {
    assert.equal(renderInstruction({ kind: 'entrypoint', argv: ['/x', '--'] }), 'ENTRYPOINT ["/x", "--"]');
    assert.equal(renderInstruction({ kind: 'label', labels: [['a', 'say "hi"']] }), 'LABEL a="say \\"hi\\""');
    assert.equal(renderInstruction({ kind: 'env', vars: [['PATH', '/opt/venv/bin:$PATH']] }), 'ENV PATH=/opt/venv/bin:$PATH');
  });

  it('renders header, global ARGs and stages in order', () => {
    const text = renderDockerfile({
      header: ['h'],
      globalArgs: [{ name: 'BASE', default: 'x' }],
      stages: [{ doc: ['s'], instructions: [{ kind: 'from', image: '${BASE}', as: 'one' }] }],
    });
    assert.equal(text, '# h\n\nARG BASE=x\n\n# s\nFROM ${BASE} AS one\n');
  });
});

describe('the image Dockerfile', () => {
  const runtime = (opts = plain) => imageDockerfile(inputs, opts).stages[1]!.instructions;

  it('has a builder stage installing only from the hashed lock, and a runtime stage from the same base', () => {
    const df = imageDockerfile(inputs, plain);
    assert.equal(df.stages.length, 2);
    assert.deepEqual(df.globalArgs, [{ name: 'BASE_IMAGE', default: 'python:3.12-slim-bookworm' }]);
    const text = renderImageDockerfile(inputs, plain);
    assert.match(text, /FROM \$\{BASE_IMAGE\} AS builder/);
    assert.match(text, /FROM \$\{BASE_IMAGE\} AS runtime/);
    assert.match(text, /pip install .*--no-deps --require-hashes .*--requirement \/tmp\/requirements\.lock/);
  });

  it('installs no packages with apt in either stage and never runs as root at the end', () => {
    const text = renderImageDockerfile(inputs, { wheelhouse: true, caBundle: true });
    assert.doesNotMatch(text, /apt-get|apk |yum |gcc|build-essential|sudo/);
    const users = runtime().filter((i) => i.kind === 'user');
    assert.deepEqual(users, [{ kind: 'user', user: '50000:0' }]);
    assert.match(text, /ENV AIRFLOW_HOME=\/opt\/airflow/);
    assert.match(text, /ENTRYPOINT \["\/opt\/venv\/bin\/dumb-init", "--", "\/entrypoint"\]/);
  });

  it('copies plugins then DAGs as the last file layers, after everything that changes less often', () => {
    const copies = runtime().filter((i) => i.kind === 'copy');
    assert.deepEqual(
      copies.slice(-2).map((c) => (c.kind === 'copy' ? c.sources[0] : '')),
      ['plugins/', 'dags/'],
    );
    const all = runtime();
    const lastCopy = all.map((i) => i.kind).lastIndexOf('copy');
    assert.ok(all.slice(lastCopy + 1).every((i) => i.kind === 'arg' || i.kind === 'label'), 'only revision ARG/LABEL after the DAGs');
  });

  it('uses the wheelhouse without an index, and the CA bundle only in the builder stage', () => {
    const df = imageDockerfile(inputs, { wheelhouse: true, caBundle: true });
    const [builder, rt] = [renderDockerfile({ ...df, header: [], stages: [df.stages[0]!] }), renderDockerfile({ ...df, header: [], stages: [df.stages[1]!] })];
    assert.match(builder, /--no-index --find-links \/tmp\/wheels/);
    assert.match(builder, /COPY certs\/extra-ca\.pem \/tmp\/extra-ca\.pem/);
    assert.match(builder, /--cert \/tmp\/extra-ca\.pem/);
    assert.doesNotMatch(rt, /extra-ca|wheels/);
    assert.doesNotMatch(renderImageDockerfile(inputs, plain), /extra-ca|--no-index/);
  });
});

describe('content tag', () => {
  const files = [
    { path: 'dags/a.py', sha256: '1'.repeat(64) },
    { path: 'docker/entrypoint.sh', sha256: '2'.repeat(64), mode: 0o755 },
  ];
  const tag = contentTag(inputs, 'lock', files);

  it('is <airflow>-py<python>-<12 hex>, independent of file order', () => {
    assert.match(tag, /^3\.3\.2-py3\.12-[0-9a-f]{12}$/);
    assert.equal(contentTag(inputs, 'lock', [...files].reverse()), tag);
  });

  it('changes with a DAG, the lock, the base image, the platform or an executable bit', () => {
    const variants = [
      contentTag(inputs, 'lock', [{ ...files[0]!, sha256: '3'.repeat(64) }, files[1]!]),
      contentTag(inputs, 'lock2', files),
      contentTag({ ...inputs, baseImage: 'local/python:3.11-bookworm' }, 'lock', files),
      contentTag({ ...inputs, platform: 'linux/arm64' }, 'lock', files),
      contentTag(inputs, 'lock', [files[0]!, { ...files[1]!, mode: 0o644 }]),
    ];
    for (const v of variants) assert.notEqual(v, tag);
  });

  it('passes base image, revision and version as build arguments', () => {
    assert.deepEqual(buildArgs(inputs, tag, undefined), { BASE_IMAGE: 'python:3.12-slim-bookworm', SOURCE_REVISION: 'unknown', IMAGE_VERSION: tag });
  });
});

describe('DAGs in the image, per dags.source', () => {
  const cfg = (source: string, version = '3.3.2') =>
    parseConfig(JSON.stringify({ name: 'demo', region: 'eu-west-1', airflow: { version, ...(version.startsWith('2') ? { python: '3.11' } : {}) }, dags: { source, ...(source === 'git' ? { git: { repoUrl: 'https://example.com/d.git' } } : {}) } }), '/p/airflow-aws.yaml', '/p');
  const cases: [string, string, boolean][] = [
    ['image', '3.3.2', true],
    ['s3', '3.3.2', false],
    ['git', '3.3.2', false],
  ];
  for (const [source, version, inImage] of cases) {
    it(`${source} on Airflow ${version}: DAG folder ${inImage ? 'copied into' : 'left out of'} the image, plugins always in`, () => {
      const i = imageInputs(cfg(source, version));
      assert.equal(i.dagsInImage, inImage);
      const text = renderImageDockerfile(i, plain);
      assert.equal(/^COPY .*dags\/ \/opt\/airflow\/dags\/$/m.test(text), inImage, text);
      assert.match(text, /^COPY .*plugins\/ \/opt\/airflow\/plugins\/$/m);
    });
  }
  it('the git source adds the git provider to the lock; the others keep their lock', () => {
    assert.ok(airflowExtras('3.3.2', 'fab', 'git').includes('git'));
    assert.ok(!airflowExtras('3.3.2', 'fab', 's3').includes('git'));
    assert.ok(!airflowExtras('3.3.2', 'fab').includes('git'));
  });
});
