import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supervisorLogLine } from '../../../src/adapters/proc/supervisor.js';
import { advanceProgress, formatProgress, progressDue, startProgress, type VenvProgress } from '../../../src/dev/venv-progress.js';

/** pip 23-25 output for `install --require-hashes --no-deps --progress-bar off -r lock` (trimmed to 3 packages). */
const PIP_OUTPUT = [
  'Looking in links: /opt/wheels',
  'Collecting six==1.16.0 (from -r lock.txt (line 1))',
  '  Downloading six-1.16.0-py2.py3-none-any.whl (11 kB)',
  'Collecting jmespath==1.0.1 (from -r lock.txt (line 3))',
  '  Using cached jmespath-1.0.1-py3-none-any.whl (20 kB)',
  'Collecting unicodecsv==0.14.1 (from -r lock.txt (line 5))',
  'Building wheels for collected packages: unicodecsv',
  '  Building wheel for unicodecsv (pyproject.toml): started',
  'Installing collected packages: unicodecsv, six, jmespath',
  'Successfully installed jmespath-1.0.1 six-1.16.0 unicodecsv-0.14.1',
];

describe('virtualenv build progress', () => {
  it('follows pip through collecting, building, installing and done', () => {
    const seen: string[] = [];
    let p = startProgress(3);
    for (const line of PIP_OUTPUT) {
      p = advanceProgress(p, line);
      seen.push(formatProgress(p, 12_500));
    }
    assert.deepEqual([...new Set(seen)], [
      'virtualenv: creating it (12 s)',
      'virtualenv: collecting packages 1/3 (12 s)',
      'virtualenv: collecting packages 2/3 (12 s)',
      'virtualenv: collecting packages 3/3 (12 s)',
      'virtualenv: building wheels for unicodecsv (12 s)',
      'virtualenv: installing 3 packages (12 s)',
      'virtualenv: installed 3 packages (12 s)',
    ]);
  });

  it('never shows more collected than total when the lock count was off', () => {
    let p = startProgress(1);
    p = advanceProgress(advanceProgress(p, 'Collecting a==1'), 'Collecting b==1');
    assert.equal(formatProgress(p, 0), 'virtualenv: collecting packages 2/2 (0 s)');
  });

  const due: [string, { atMs: number; phase: VenvProgress['phase'] } | undefined, number, VenvProgress['phase'], boolean][] = [
    ['the first update', undefined, 0, 'creating', true],
    ['a phase change, however soon', { atMs: 1000, phase: 'collecting' }, 1001, 'installing', true],
    ['the same phase within the interval', { atMs: 1000, phase: 'collecting' }, 10_999, 'collecting', false],
    ['the same phase once the interval passed', { atMs: 1000, phase: 'collecting' }, 11_000, 'collecting', true],
  ];
  for (const [name, last, now, phase, want] of due) {
    it(`${want ? 'prints' : 'holds back'} ${name} (10 s throttle)`, () => {
      assert.equal(progressDue(last, now, phase, 10_000), want);
    });
  }
});

describe('supervisor log lines', () => {
  it('start with an ISO-8601 UTC timestamp', () => {
    const line = supervisorLogLine(new Date(Date.UTC(2026, 10, 24, 3, 4, 5, 6)), 'starting: /opt/venv/bin/airflow scheduler');
    assert.equal(line, '2026-11-24T03:04:05.006Z [airflow-aws supervisor] starting: /opt/venv/bin/airflow scheduler\n');
  });
});
