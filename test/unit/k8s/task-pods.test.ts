/** Finding a task instance's KubernetesExecutor pod by Airflow's raw-value annotations, never its sanitised labels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTaskPods, taskPodsAnyTry, type TaskPodMeta } from '../../../src/k8s/task-pods.js';

const RUN = 'manual__2025-01-01T00:00:00+00:00';
const pod = (name: string, a: Record<string, string>, phase = 'Running'): TaskPodMeta => ({
  name,
  annotations: { dag_id: 'etl', task_id: 'extract', run_id: RUN, try_number: '1', ...a },
  phase,
});

describe('task pod matching', () => {
  const pods: TaskPodMeta[] = [
    pod('etl-extract-try1', {}, 'Failed'),
    pod('etl-extract-try2', { try_number: '2' }),
    // Same sanitised label value (`+` and `:` dropped) but another raw run id: must not match.
    pod('etl-extract-other-run', { run_id: 'manual__2025-01-01T000000+0000', try_number: '2' }),
    pod('etl-load', { task_id: 'load' }),
    pod('other-dag', { dag_id: 'etl2' }),
    pod('mapped-2', { task_id: 'fan', map_index: '2' }),
    pod('mapped-0', { task_id: 'fan', map_index: '0' }),
    pod('unlabelled', { try_number: 'x' }),
  ];

  const table: [string, Parameters<typeof matchTaskPods>[1], string[]][] = [
    ['the latest try by default', { dagId: 'etl', runId: RUN, taskId: 'extract' }, ['etl-extract-try2']],
    ['a chosen try', { dagId: 'etl', runId: RUN, taskId: 'extract', tryNumber: 1 }, ['etl-extract-try1']],
    ['no pod for a try that is gone', { dagId: 'etl', runId: RUN, taskId: 'extract', tryNumber: 3 }, []],
    ['the raw run id only', { dagId: 'etl', runId: 'manual__2025-01-01T000000+0000', taskId: 'extract' }, ['etl-extract-other-run']],
    ['every map index of a mapped task, in order', { dagId: 'etl', runId: RUN, taskId: 'fan' }, ['mapped-0', 'mapped-2']],
    ['nothing for an unknown task', { dagId: 'etl', runId: RUN, taskId: 'nope' }, []],
  ];
  for (const [name, ref, expected] of table) {
    it(`matches ${name}`, () => {
      assert.deepEqual(matchTaskPods(pods, ref).map((m) => m.name), expected);
    });
  }

  it('reports try and map index of each match, and which tries remain', () => {
    assert.deepEqual(matchTaskPods(pods, { dagId: 'etl', runId: RUN, taskId: 'fan' }).map((m) => [m.tryNumber, m.mapIndex]), [[1, 0], [1, 2]]);
    assert.deepEqual(taskPodsAnyTry(pods, { dagId: 'etl', runId: RUN, taskId: 'extract' }).map((m) => m.tryNumber).sort(), [1, 2]);
  });
});
