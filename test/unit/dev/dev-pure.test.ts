import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { airflowEnv, CONTROLLED_AIRFLOW_CFG, envFileText, sqlAlchemyConn, AUTH_MANAGER_CLASS } from '../../../src/dev/airflow-env.js';
import { failedTasks, formatLogContent, isTerminalRunState, taskTable } from '../../../src/dev/api-shapes.js';
import { LockParseError, parseLock } from '../../../src/dev/lock.js';
import { formatProblem, importProblem, PARSE_MARKER, readParseOutput } from '../../../src/dev/parse.js';
import { cacheDir, devPaths, venvDir } from '../../../src/dev/paths.js';
import { cleanBaseEnv, dockerNames, dockerPlan, nativePlan, restartDelayMs } from '../../../src/dev/plan.js';
import { checkSecrets, fernetKey, generateSecrets } from '../../../src/dev/secrets.js';

const HASH = 'a'.repeat(64);
const counter = () => {
  let i = 0;
  return (n: number) => Uint8Array.from({ length: n }, () => i++ % 256);
};

describe('dev lock parsing', () => {
  it('reads pinned, hashed entries across backslash continuations and skips comments', () => {
    const lock = parseLock(
      [
        '# airflow-aws-lock format=1',
        'apache-airflow[amazon]==3.3.2 \\',
        `    --hash=sha256:${HASH}`,
        '    # via -r airflow-aws.in',
        `Foo_Bar.baz==1.0 ; python_version >= "3.10" --hash=sha256:${HASH}`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      lock.packages.map((p) => [p.name, p.version, p.line]),
      [
        ['apache-airflow', '3.3.2', 2],
        ['foo-bar-baz', '1.0', 5],
      ],
    );
    assert.equal(lock.airflowVersion, '3.3.2');
    assert.match(lock.sha256, /^[0-9a-f]{64}$/);
  });

  const bad: [string, string, RegExp][] = [
    ['an unpinned requirement', `requests>=2 --hash=sha256:${HASH}\n`, /line 1: "requests>=2" is not pinned/],
    ['a pin without a hash', 'requests==2.0\n', /line 1: requests==2.0 has no --hash/],
    ['an empty file', '# nothing\n', /no pinned packages/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseLock(text), (e: unknown) => e instanceof LockParseError && re.test(e.message));
    });
  }
});

describe('dev secrets', () => {
  it('makes a 44-character padded url-safe fernet key (Python Fernet rejects unpadded keys)', () => {
    const key = fernetKey(new Uint8Array(32).fill(0xfb));
    assert.equal(key.length, 44);
    assert.ok(key.endsWith('='));
    assert.doesNotMatch(key, /[+/]/);
  });

  it('generates every secret and accepts its own output back', () => {
    const s = generateSecrets(counter());
    assert.deepEqual(checkSecrets(JSON.parse(JSON.stringify(s))), s);
    assert.match(s.postgresPassword, /^[A-Za-z0-9]+$/);
    assert.notEqual(s.jwtSecret, s.apiSecretKey);
  });

  const broken: [string, unknown, RegExp][] = [
    ['a non-object', 'x', /not a JSON object/],
    ['a missing key', { version: 1, fernetKey: 'a'.repeat(43) + '=' }, /missing "apiSecretKey"/],
    ['a bad fernet key', { ...generateSecrets(counter()), fernetKey: 'short' }, /fernetKey/],
  ];
  for (const [what, value, re] of broken) {
    it(`refuses a secrets file with ${what}`, () => {
      const r = checkSecrets(value);
      assert.equal(typeof r, 'string');
      assert.match(r as string, re);
    });
  }
});

describe('dev Airflow environment', () => {
  const secrets = generateSecrets(counter());
  const base = {
    secrets,
    db: { host: '127.0.0.1', port: 5433, user: 'airflow', database: 'airflow' },
    apiPort: 8080,
    apiHost: '127.0.0.1',
    executionApiUrl: 'http://127.0.0.1:8080/execution/',
    baseUrl: 'http://localhost:8080',
    airflowHome: '/p/.airflow-aws/dev/airflow-home',
    dagsFolder: '/p/dags',
    pluginsFolder: '/p/plugins',
    taskLogsFolder: '/p/.airflow-aws/dev/logs/tasks',
    simpleAuthPasswordsFile: '/p/.airflow-aws/dev/airflow-home/pw.json',
  };

  it('gives Airflow 3 the LocalExecutor, the shared secrets, the execution API URL and the configured auth manager', () => {
    const env = airflowEnv({ ...base, config: { name: 'x', airflowMajor: 3, airflow: { version: '3.3.2', python: '3.12', executor: 'KubernetesExecutor', auth: 'fab' } } });
    assert.equal(env['AIRFLOW__CORE__EXECUTOR'], 'LocalExecutor');
    assert.equal(env['AIRFLOW__CORE__FERNET_KEY'], secrets.fernetKey);
    assert.equal(env['AIRFLOW__API_AUTH__JWT_SECRET'], secrets.jwtSecret);
    assert.equal(env['AIRFLOW__API__SECRET_KEY'], secrets.apiSecretKey);
    assert.equal(env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL'], 'http://127.0.0.1:8080/execution/');
    assert.equal(env['AIRFLOW__CORE__AUTH_MANAGER'], AUTH_MANAGER_CLASS.fab);
    assert.equal(env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS'], undefined);
    assert.equal(env['AIRFLOW__API_AUTH__JWT_ISSUER'], 'airflow-aws:x');
  });

  it('points AIRFLOW_CONFIG at the controlled airflow.cfg inside AIRFLOW_HOME, so Airflow never writes its own', () => {
    const config = { name: 'x', airflowMajor: 3, airflow: { version: '3.3.2', python: '3.12', executor: 'LocalExecutor', auth: 'simple' } } as const;
    const env = airflowEnv({ ...base, config, airflowHome: '/p/.airflow-aws/dev/airflow-home/' });
    assert.equal(env['AIRFLOW_CONFIG'], '/p/.airflow-aws/dev/airflow-home/airflow.cfg');
    assert.doesNotMatch(CONTROLLED_AIRFLOW_CFG, /^\s*[^#\s]/m, 'comments only: every setting comes from the environment');
  });

  it('seeds SimpleAuthManager with the generated admin when auth is simple', () => {
    const env = airflowEnv({ ...base, config: { name: 'x', airflowMajor: 3, airflow: { version: '3.3.2', python: '3.12', executor: 'LocalExecutor', auth: 'simple' } } });
    assert.equal(env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS'], 'admin:admin');
    assert.equal(env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE'], base.simpleAuthPasswordsFile);
  });

  it('url-encodes the database password', () => {
    assert.equal(
      sqlAlchemyConn({ host: 'h', port: 1, user: 'u', database: 'd' }, 'p@ss/w:rd'),
      'postgresql+psycopg2://u:p%40ss%2Fw%3Ard@h:1/d',
    );
  });

  it('refuses env-file values with newlines (docker --env-file cannot carry them)', () => {
    assert.equal(envFileText({ A: '1', B: 'x=y' }), 'A=1\nB=x=y\n');
    assert.throws(() => envFileText({ A: 'a\nb' }), /newline/);
  });
});

describe('dev process plan', () => {
  it('runs PostgreSQL first and the four Airflow 3 components database-gated, keeping the scheduler group on crash', () => {
    const specs = nativePlan({ major: 3, airflowBin: '/v/bin/airflow', airflowEnv: { A: '1' }, baseEnv: { PATH: '/bin' }, postgres: { argv: ['postgres'] } });
    assert.deepEqual(specs.map((s) => s.name), ['postgres', 'api-server', 'scheduler', 'dag-processor', 'triggerer']);
    assert.deepEqual(specs[1]!.argv, ['/v/bin/airflow', 'api-server']);
    assert.equal(specs[0]!.stopSignal, 'SIGINT');
    assert.equal(specs[0]!.needsDatabase, false);
    assert.ok(specs.slice(1).every((s) => s.needsDatabase && s.env['A'] === '1' && s.env['PATH'] === '/bin'));
    assert.deepEqual(specs.map((s) => s.onCrash), ['kill-group', 'kill-group', 'keep-group', 'kill-group', 'kill-group']);
    assert.equal(specs[0]!.env['A'], undefined);
  });

  it('has no DAG processor on Airflow 2 (the scheduler parses) and a webserver instead of the API server', () => {
    const specs = nativePlan({ major: 2, airflowBin: 'airflow', airflowEnv: {}, baseEnv: {} });
    assert.deepEqual(specs.map((s) => s.name), ['webserver', 'scheduler', 'triggerer']);
  });

  it('drops inherited AIRFLOW*, PG* and Python path variables', () => {
    assert.deepEqual(cleanBaseEnv({ PATH: '/bin', AIRFLOW__CORE__EXECUTOR: 'x', AIRFLOW_HOME: '/h', PGPASSWORD: 'p', PYTHONPATH: '/x', HOME: '/root' }), {
      PATH: '/bin',
      HOME: '/root',
    });
  });

  it('backs off 1, 2, 4 ... seconds up to 30', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('plans Docker containers: PostgreSQL on a named volume, DAGs read-only, only the API published', () => {
    const specs = dockerPlan({
      projectName: 'p',
      major: 3,
      airflowImage: 'p/airflow:3.3.2-py3.12-abc',
      postgresImage: 'postgres:16-bookworm',
      envFile: '/s/airflow.env',
      postgresEnvFile: '/s/postgres.env',
      hostDagsDir: '/p/dags',
      hostPluginsDir: undefined,
      hostLogsDir: '/s/logs/tasks',
      containerDagsDir: '/opt/airflow/dags',
      containerPluginsDir: '/opt/airflow/plugins',
      containerLogsDir: '/opt/airflow/logs',
      apiPort: 8081,
      containerApiPort: 8080,
      user: '1000:0',
    });
    assert.deepEqual(specs.map((s) => [s.component, s.args.join(' ')]), [
      ['postgres', ''],
      ['api-server', 'api-server'],
      ['scheduler', 'scheduler'],
      ['dag-processor', 'dag-processor'],
      ['triggerer', 'triggerer'],
    ]);
    assert.deepEqual(specs[0]!.mounts, [{ source: 'airflow-aws-p-dev-postgres', target: '/var/lib/postgresql/data', readOnly: false, volume: true }]);
    assert.deepEqual(specs.flatMap((s) => s.ports), [{ host: 8081, container: 8080 }]);
    assert.ok(specs.slice(1).every((s) => s.mounts.some((m) => m.target === '/opt/airflow/dags' && m.readOnly) && s.user === '1000:0'));
  });

  it('names Docker objects per project under one label', () => {
    const n = dockerNames('analytics');
    assert.equal(n.container('scheduler'), 'airflow-aws-analytics-dev-scheduler');
    assert.equal(n.volume, 'airflow-aws-analytics-dev-postgres');
    assert.equal(n.label, 'io.airflow-aws.dev=analytics');
  });
});

describe('dev paths', () => {
  it('keeps state in the project and the venv cache keyed by lock hash and Python', () => {
    assert.equal(devPaths('/p').secretsFile, '/p/.airflow-aws/dev/secrets.json');
    assert.equal(cacheDir({ AIRFLOW_AWS_CACHE: '/c' }, '/home/u'), '/c');
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/x' }, '/home/u'), '/x/airflow-aws');
    assert.equal(cacheDir({}, '/home/u'), '/home/u/.cache/airflow-aws');
    assert.equal(venvDir('/c', 'f'.repeat(64), '3.12'), `/c/dev/venvs/${'f'.repeat(16)}-py3.12`);
  });
});

describe('dev parse report', () => {
  it('names the DAG file and the line from a module-level exception', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
      '  File "/p/dags/broken.py", line 7, in <module>',
      '    import not_a_module',
      "ModuleNotFoundError: No module named 'not_a_module'",
    ].join('\n');
    const p = importProblem('broken.py', tb, '/p/dags');
    assert.equal(p.line, 7);
    assert.equal(p.message, "ModuleNotFoundError: No module named 'not_a_module'");
    assert.equal(formatProblem(p, 'dags'), "dags/broken.py:7: ModuleNotFoundError: No module named 'not_a_module'");
  });

  it('reads the line of a syntax error and a path given absolute', () => {
    const tb = '  File "/p/dags/sub/bad.py", line 3\n    def (:\n        ^\nSyntaxError: invalid syntax\n';
    const p = importProblem('/p/dags/sub/bad.py', tb, '/p/dags/');
    assert.equal(p.file, 'sub/bad.py');
    assert.equal(p.line, 3);
    assert.equal(p.message, 'SyntaxError: invalid syntax');
  });

  it('parses the marker line among other output', () => {
    const out = `noise\n${PARSE_MARKER}${JSON.stringify({ dags: [{ dag_id: 'a', fileloc: '/p/dags/a.py' }], import_errors: { 'b.py': 'ValueError: x' } })}\n`;
    const r = readParseOutput(out, '/p/dags');
    assert.deepEqual(r.dags.map((d) => d.dag_id), ['a']);
    assert.deepEqual(r.problems.map((p) => [p.file, p.line, p.message]), [['b.py', undefined, 'ValueError: x']]);
    assert.throws(() => readParseOutput('nothing', '/p/dags'), /no result/);
  });
});

describe('dev REST shapes', () => {
  const ti = (task_id: string, state: string | null, start?: string) => ({ task_id, state, try_number: 1, map_index: -1, start_date: start ?? null });

  it('treats only success and failed as the end of a run', () => {
    assert.deepEqual(['queued', 'running', 'success', 'failed'].map(isTerminalRunState), [false, false, true, true]);
  });

  it('blames failed tasks, not their upstream_failed children', () => {
    const f = failedTasks([ti('c', 'upstream_failed'), ti('b', 'failed', '2024-01-01T00:00:02Z'), ti('a', 'success')]);
    assert.deepEqual(f.map((t) => t.task_id), ['b']);
  });

  it('prints one aligned row per task', () => {
    assert.deepEqual(taskTable([ti('extract', 'success', '1'), ti('load', null)]), ['extract  success         (try 1)', 'load     none            (try 1)']);
  });

  it('turns Airflow 3 structured log entries into lines', () => {
    const text = formatLogContent([
      { sources: ['/logs/a.log'] },
      { timestamp: '2024-01-01T00:00:00Z', level: 'error', event: 'Task failed', logger: 'task' },
      { event: 'boom', error_detail: [{ exc_type: 'ValueError', exc_value: 'bad', frames: [{ filename: '/p/dags/x.py', lineno: 9, name: 'fail' }] }] },
    ]);
    assert.match(text, /2024-01-01T00:00:00Z ERROR \[task\] Task failed/);
    assert.match(text, /File "\/p\/dags\/x.py", line 9, in fail/);
    assert.match(text, /ValueError: bad/);
    assert.equal(formatLogContent('plain'), 'plain');
  });
});
