import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors/user-error.js';
import {
  airflowExtras,
  assertLockFresh,
  lockedPins,
  lockRequest,
  parseLockHeader,
  pipPlatformTags,
  renderLockFile,
  uvCompileArgs,
  uvPythonPlatform,
} from '../../../src/image/lock.js';

type Cfg = Parameters<typeof lockRequest>[0];
const cfg = (over: { version?: string; python?: string; auth?: 'fab' | 'simple'; platform?: 'linux/amd64' | 'linux/arm64' } = {}): Cfg =>
  ({
    airflow: { version: over.version ?? '3.3.2', python: over.python ?? '3.12', auth: over.auth ?? 'fab', executor: 'KubernetesExecutor' },
    image: {
      platform: over.platform ?? 'linux/amd64',
      requirements: 'requirements.txt',
      lockFile: 'airflow-aws.lock',
      dagsDir: 'dags',
      pluginsDir: 'plugins',
      baseImage: 'python:3.12-slim-bookworm',
    },
  }) as Cfg;

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (UserError.is(e)) return e;
    throw e;
  }
  assert.fail('expected a UserError');
}

describe('airflowExtras', () => {
  const cases: [string, 'fab' | 'simple', string[]][] = [
    ['3.3.2', 'fab', ['amazon', 'cncf.kubernetes', 'fab', 'postgres']],
    ['3.3.2', 'simple', ['amazon', 'cncf.kubernetes', 'postgres']],
    ['2.9.0', 'fab', ['amazon', 'cncf.kubernetes', 'postgres']],
    ['2.10.5', 'simple', ['amazon', 'cncf.kubernetes', 'postgres']],
  ];
  for (const [version, auth, extras] of cases) {
    it(`Airflow ${version} with ${auth} auth needs ${extras.join(',')}${version.startsWith('2') ? ' (FAB is built into Airflow 2)' : ''}`, () => {
      assert.deepEqual(airflowExtras(version, auth), extras);
    });
  }
});

describe('lockRequest', () => {
  it('pins Airflow with its extras and the init process, and includes requirements.txt only when it has content', () => {
    assert.deepEqual(lockRequest(cfg(), '').requirementsIn, ['apache-airflow[amazon,cncf.kubernetes,fab,postgres]==3.3.2', 'dumb-init==1.2.5.post1']);
    assert.deepEqual(lockRequest(cfg(), 'pandas==2.2.3\n').requirementsIn.at(-1), '-r requirements.txt');
  });

  it('changes the inputs hash with every input and not with line endings or trailing blank lines', () => {
    const base = lockRequest(cfg(), 'pandas\n').inputsHash;
    assert.equal(lockRequest(cfg(), 'pandas\r\n\r\n').inputsHash, base);
    assert.equal(lockRequest(cfg(), 'pandas   \n').inputsHash, base);
    const variants = [
      lockRequest(cfg({ version: '3.3.1' }), 'pandas\n'),
      lockRequest(cfg({ python: '3.11' }), 'pandas\n'),
      lockRequest(cfg({ auth: 'simple' }), 'pandas\n'),
      lockRequest(cfg({ platform: 'linux/arm64' }), 'pandas\n'),
      lockRequest(cfg(), 'pandas\n', 'linux/arm64'),
      lockRequest(cfg(), 'pandas==2\n'),
    ];
    for (const v of variants) assert.notEqual(v.inputsHash, base);
  });

  it('rejects an Airflow line the tool does not build and a Python the line does not support', () => {
    assert.equal(userError(() => lockRequest(cfg({ version: '1.10.15' }), '')).code, 'AIRFLOW_VERSION_UNSUPPORTED');
    const e = userError(() => lockRequest(cfg({ version: '2.9.0', python: '3.13' }), ''));
    assert.equal(e.code, 'PYTHON_VERSION_UNSUPPORTED');
    assert.match(e.hint ?? '', /3\.12/);
    assert.equal(e.exitCode, 2);
  });

  it('rejects requirements that would bypass the lock (indexes, nested files, editable installs) naming the line', () => {
    const e = userError(() => lockRequest(cfg(), 'pandas\n--index-url https://example.com/simple\n-e ./mypkg\n'));
    assert.equal(e.code, 'REQUIREMENTS_UNSUPPORTED');
    assert.deepEqual(e.details, ['line 2: --index-url https://example.com/simple', 'line 3: -e ./mypkg']);
  });

  it('rejects requirements.txt pinning apache-airflow itself (the config owns the version)', () => {
    assert.equal(userError(() => lockRequest(cfg(), 'apache-airflow==2.10.0\n')).code, 'REQUIREMENTS_UNSUPPORTED');
    // providers are fine
    lockRequest(cfg(), 'apache-airflow-providers-slack\n');
  });
});

describe('uv and pip arguments', () => {
  it('resolves for the target Python and a manylinux platform matching bookworm', () => {
    const args = uvCompileArgs(lockRequest(cfg({ python: '3.11', platform: 'linux/arm64' }), ''));
    assert.deepEqual(args.slice(args.indexOf('--python-version'), args.indexOf('--python-version') + 4), [
      '--python-version',
      '3.11',
      '--python-platform',
      'aarch64-manylinux_2_36',
    ]);
    assert.ok(args.includes('--generate-hashes'));
    assert.equal(uvPythonPlatform('linux/amd64'), 'x86_64-manylinux_2_36');
  });

  it('lists every manylinux tag up to glibc 2.36 for pip download, newest first', () => {
    const tags = pipPlatformTags('linux/amd64');
    assert.equal(tags[0], 'manylinux_2_36_x86_64');
    assert.ok(tags.includes('manylinux_2_28_x86_64'));
    assert.ok(tags.includes('manylinux2014_x86_64'));
    assert.ok(tags.includes('manylinux1_x86_64'));
    assert.ok(pipPlatformTags('linux/arm64').every((t) => t.endsWith('aarch64')));
  });
});

describe('lock file header and staleness', () => {
  const compiled = 'apache-airflow==3.3.2 \\\n    --hash=sha256:aa\n    # via -r airflow-aws.in\nDumb_Init==1.2.5.post1 \\\n    --hash=sha256:bb\n';
  const req = lockRequest(cfg(), '');
  const text = renderLockFile(req, compiled);

  it('records format, inputs hash, versions and platform in a header that parses back', () => {
    assert.deepEqual(parseLockHeader(text), { format: 1, inputsHash: req.inputsHash, airflowVersion: '3.3.2', python: '3.12', platform: 'linux/amd64' });
    assert.equal(assertLockFresh(text, req, 'airflow-aws.lock').inputsHash, req.inputsHash);
  });

  it('reads normalised pins from the lock', () => {
    const pins = lockedPins(text);
    assert.equal(pins.get('apache-airflow'), '3.3.2');
    assert.equal(pins.get('dumb-init'), '1.2.5.post1');
  });

  it('calls a lock stale when the config changed, naming what changed and telling to run `image lock`', () => {
    const e = userError(() => assertLockFresh(text, lockRequest(cfg({ version: '3.3.1' }), ''), 'airflow-aws.lock'));
    assert.equal(e.code, 'LOCK_STALE');
    assert.equal(e.exitCode, 2);
    assert.deepEqual(e.details, ['airflow.version: lock 3.3.2, config 3.3.1']);
    assert.match(e.hint ?? '', /airflow-aws image lock/);
  });

  it('calls a lock stale when only requirements.txt changed', () => {
    const e = userError(() => assertLockFresh(text, lockRequest(cfg(), 'pandas\n'), 'airflow-aws.lock'));
    assert.equal(e.code, 'LOCK_STALE');
    assert.match(e.details[0] ?? '', /requirements\.txt/);
  });

  it('rejects a file without our header (hand-written or from another tool)', () => {
    assert.equal(userError(() => assertLockFresh(compiled, req, 'airflow-aws.lock')).code, 'LOCK_INVALID');
  });
});
