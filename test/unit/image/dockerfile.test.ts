import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDockerfile, renderInstruction, shellWord } from '../../../src/image/dockerfile.js';
import { parseConfig } from '../../../src/config/load.js';
import { airflowExtras } from '../../../src/image/lock.js';
import {
  buildArgs,
  builderDockerfile,
  builderTag,
  contentTag,
  imageInputs,
  renderBuilderDockerfile,
  renderRuntimeDockerfile,
  runtimeDockerfile,
  type ImageInputs,
} from '../../../src/image/plan.js';

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

describe('the builder and runtime Dockerfiles', () => {
  const builder = (opts = plain) => renderBuilderDockerfile(inputs, opts);
  const runtime = () => runtimeDockerfile(inputs).stages[0]!.instructions;

  it('builds the virtualenv in a builder image installing only from the hashed lock, then trims it', () => {
    const df = builderDockerfile(inputs, plain);
    assert.equal(df.stages.length, 1);
    assert.deepEqual(df.globalArgs, [{ name: 'BASE_IMAGE', default: 'python:3.12-slim-bookworm' }]);
    const text = builder();
    assert.match(text, /FROM \$\{BASE_IMAGE\} AS builder/);
    assert.match(text, /pip install .*--no-deps --require-hashes .*--requirement \/tmp\/requirements\.lock/);
    assert.match(text, /pip check \\\n && .*pip uninstall --yes --quiet pip \\\n && \/opt\/venv\/bin\/python \/tmp\/trim-venv\.py \/opt\/venv/);
  });

  it('copies the virtualenv out of the builder image given as a build argument, on the same base', () => {
    const df = runtimeDockerfile(inputs);
    assert.deepEqual(df.globalArgs, [{ name: 'BASE_IMAGE', default: 'python:3.12-slim-bookworm' }, { name: 'BUILDER_IMAGE' }]);
    const text = renderRuntimeDockerfile(inputs);
    assert.match(text, /^FROM \$\{BUILDER_IMAGE\} AS builder\nFROM \$\{BASE_IMAGE\} AS runtime$/m);
    assert.match(text, /^COPY --from=builder \/opt\/venv \/opt\/venv$/m);
  });

  it('installs no packages with apt in either image and never runs as root at the end', () => {
    const text = builder({ wheelhouse: true, caBundle: true }) + renderRuntimeDockerfile(inputs);
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

  it('uses the wheelhouse without an index and the CA bundle in the builder only; the runtime never sees the lock', () => {
    const b = builder({ wheelhouse: true, caBundle: true });
    assert.match(b, /--no-index --find-links \/tmp\/wheels/);
    assert.match(b, /COPY certs\/extra-ca\.pem \/tmp\/extra-ca\.pem/);
    assert.match(b, /--cert \/tmp\/extra-ca\.pem/);
    assert.doesNotMatch(renderRuntimeDockerfile(inputs), /extra-ca|wheels|requirements\.lock|trim-venv/);
    assert.doesNotMatch(builder(), /extra-ca|--no-index/);
  });
});

describe('builder and content tags', () => {
  const trim = [{ path: 'docker/trim-venv.py', sha256: '4'.repeat(64) }];
  const files = [
    { path: 'dags/a.py', sha256: '1'.repeat(64) },
    { path: 'docker/entrypoint.sh', sha256: '2'.repeat(64), mode: 0o755 },
  ];
  const builderRef = `demo-builder:${builderTag(inputs, 'lock', trim)}`;
  const tag = contentTag(inputs, builderRef, files);

  it('are <airflow>-py<python>-<12 hex>, independent of file order', () => {
    assert.match(builderTag(inputs, 'lock', trim), /^3\.3\.2-py3\.12-[0-9a-f]{12}$/);
    assert.match(tag, /^3\.3\.2-py3\.12-[0-9a-f]{12}$/);
    assert.equal(contentTag(inputs, builderRef, [...files].reverse()), tag);
  });

  const bTag = builderTag(inputs, 'lock', trim);
  const builderCases: [string, string][] = [
    ['the lock', builderTag(inputs, 'lock2', trim)],
    ['the base image', builderTag({ ...inputs, baseImage: 'local/python:3.11-bookworm' }, 'lock', trim)],
    ['the platform', builderTag({ ...inputs, platform: 'linux/arm64' }, 'lock', trim)],
    ['the trim script', builderTag(inputs, 'lock', [{ ...trim[0]!, sha256: '5'.repeat(64) }])],
  ];
  for (const [what, variant] of builderCases) {
    it(`builder tag changes with ${what}`, () => assert.notEqual(variant, bTag));
  }
  const sameBuilderCases: [string, string][] = [
    ['a DAG', builderTag({ ...inputs, dagsInImage: false }, 'lock', trim)],
    ['the project name', builderTag({ ...inputs, name: 'other' }, 'lock', trim)],
  ];
  for (const [what, variant] of sameBuilderCases) {
    it(`builder tag stays with ${what} (no virtualenv rebuild)`, () => assert.equal(variant, bTag));
  }

  const contentCases: [string, string][] = [
    ['a DAG', contentTag(inputs, builderRef, [{ ...files[0]!, sha256: '3'.repeat(64) }, files[1]!])],
    ['the builder (lock)', contentTag(inputs, `demo-builder:${builderTag(inputs, 'lock2', trim)}`, files)],
    ['the base image', contentTag({ ...inputs, baseImage: 'local/python:3.11-bookworm' }, builderRef, files)],
    ['the platform', contentTag({ ...inputs, platform: 'linux/arm64' }, builderRef, files)],
    ['an executable bit', contentTag(inputs, builderRef, [files[0]!, { ...files[1]!, mode: 0o644 }])],
  ];
  for (const [what, variant] of contentCases) {
    it(`image tag changes with ${what}`, () => assert.notEqual(variant, tag));
  }

  it('passes base image, builder image, revision and version as build arguments', () => {
    assert.deepEqual(buildArgs(inputs, builderRef, tag, undefined), {
      BASE_IMAGE: 'python:3.12-slim-bookworm',
      BUILDER_IMAGE: builderRef,
      SOURCE_REVISION: 'unknown',
      IMAGE_VERSION: tag,
    });
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
      const text = renderRuntimeDockerfile(i);
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
