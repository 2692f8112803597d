/**
 * Ctrl-C while CloudFormation updates the stack, against moto with updates held in UPDATE_IN_PROGRESS (switch 14 of
 * test/support/moto-server.py) and its CancelUpdateStack (13): on "yes" `up` cancels the update and follows the
 * rollback to its end; on "no" it leaves the update running and says how to go on. The decision table itself is
 * unit-tested (test/unit/ops/stack-interrupt.test.ts).
 */
import { CancelUpdateStackCommand, CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';
import { UserError } from '../../../src/errors/user-error.js';
import { runSteps, type StepEvent } from '../../../src/ops/steps.js';
import { infrastructureStep } from '../../../src/ops/up/infrastructure.js';
import { CANCEL_QUESTION } from '../../../src/ops/up/stack-interrupt.js';
import type { Prompter } from '../../../src/ui/prompt.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { deployStackOnMoto, infrastructureContext } from '../../support/moto-stack.js';

const REGION = 'us-east-1';
const NAME = 'intr';
const STACK = `${NAME}-airflow`;

const config = (team: string): ResolvedConfig =>
  parseConfig(`name: ${NAME}\nregion: ${REGION}\ntags:\n  team: ${team}\n`, 'airflow-aws.yaml', '/tmp/project');

describe('up: Ctrl-C during a stack update (moto)', () => {
  let moto: MotoServer;
  let cfn: CloudFormationClient;
  const saved = { ...process.env };
  before(async () => {
    moto = await startMoto({ serverEnv: { MOTO_HOLD_UPDATES: '1' } });
    Object.assign(process.env, moto.env);
    cfn = new CloudFormationClient({ region: REGION, endpoint: moto.endpoint });
    // A create is not held: the stack exists, settled, before each update below.
    await deployStackOnMoto(config('data'), moto.endpoint);
  });
  after(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const status = async () => (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;

  /** Starts an update (a changed tag), presses Ctrl-C once the stack is UPDATE_IN_PROGRESS, answers the question. */
  async function interruptUpdate(team: string, yes: boolean) {
    const asked: string[] = [];
    const prompt: Prompter = {
      interactive: true,
      confirm: async (q, o) => {
        asked.push(`${q}${o?.afterInterrupt ? ' (after interrupt)' : ''}`);
        return yes;
      },
      confirmTyped: async () => assert.fail('nothing to type'),
    };
    const abort = new AbortController();
    const ctx = { ...infrastructureContext(config(team), moto.endpoint, prompt), signal: abort.signal, timeoutMs: 60_000 };
    const events: StepEvent[] = [];
    const run = runSteps([infrastructureStep], ctx, (e) => events.push(e));
    for (let i = 0; (await status()) !== 'UPDATE_IN_PROGRESS'; i++) {
      assert.ok(i < 600, 'the update started');
      await new Promise((r) => setTimeout(r, 100));
    }
    abort.abort();
    const error = await run.then(
      () => assert.fail('the step ended although it was interrupted'),
      (e: unknown) => e,
    );
    assert.ok(UserError.is(error), String(error));
    const lines = events.flatMap((e) => (e.type === 'note' || e.type === 'progress' ? [e.message] : []));
    return { error, asked, lines };
  }

  it('on yes, cancels the update and follows the rollback to UPDATE_ROLLBACK_COMPLETE', async () => {
    const { error, asked, lines } = await interruptUpdate('ml', true);
    assert.deepEqual(asked, [`${CANCEL_QUESTION} (after interrupt)`]);
    assert.equal(error.code, 'UPDATE_CANCELLED');
    assert.equal(error.exitCode, 130);
    assert.match(error.message, /cancelled and rolled back/);
    assert.equal(await status(), 'UPDATE_ROLLBACK_COMPLETE');
    assert.ok(lines.includes(`cancelling the update of stack ${STACK}`), lines.join('\n'));
    // The rollback's own events, as CloudFormation wrote them, up to its end.
    const rollback = lines.filter((l) => l.startsWith('UPDATE_ROLLBACK_'));
    assert.deepEqual(rollback.at(-1), `UPDATE_ROLLBACK_COMPLETE ${STACK} (AWS::CloudFormation::Stack)`, lines.join('\n'));
    assert.ok(rollback.some((l) => l.startsWith('UPDATE_ROLLBACK_IN_PROGRESS')), lines.join('\n'));
  });

  it('on no, leaves the update running and says how to watch and resume it', async () => {
    const { error, asked, lines } = await interruptUpdate('ops', false);
    assert.equal(asked.length, 1);
    assert.equal(error.code, 'INTERRUPTED');
    assert.equal(error.exitCode, 130);
    assert.equal(await status(), 'UPDATE_IN_PROGRESS', 'nothing was cancelled');
    assert.deepEqual(lines.filter((l) => /keeps updating/.test(l)), [], 'said once, in the error');
    const text = [error.message, ...error.details].join('\n');
    assert.match(text, /^interrupted: CloudFormation keeps updating stack intr-airflow/);
    assert.match(text, /airflow-aws status/);
    assert.match(text, /`airflow-aws up` waits for it to finish and continues/);
    assert.match(text, /cancel-update-stack --stack-name intr-airflow/);
    // Leave the stack settled for whoever comes next.
    await cfn.send(new CancelUpdateStackCommand({ StackName: STACK }));
  });

  it('without anyone to ask (--yes or no terminal), asks nothing and leaves the update running', async () => {
    await deployStackOnMoto(config('data'), moto.endpoint).catch(() => undefined);
    const abort = new AbortController();
    const ctx = { ...infrastructureContext(config('web'), moto.endpoint, { interactive: false, confirm: async () => assert.fail('asked'), confirmTyped: async () => assert.fail('asked') }), signal: abort.signal };
    const run = runSteps([infrastructureStep], ctx, () => undefined);
    for (let i = 0; (await status()) !== 'UPDATE_IN_PROGRESS'; i++) {
      assert.ok(i < 600, 'the update started');
      await new Promise((r) => setTimeout(r, 100));
    }
    abort.abort();
    const error = await run.then(() => assert.fail('not interrupted'), (e: unknown) => e);
    assert.ok(UserError.is(error) && error.code === 'INTERRUPTED', String(error));
    assert.equal(await status(), 'UPDATE_IN_PROGRESS');
    await cfn.send(new CancelUpdateStackCommand({ StackName: STACK }));
  });
});
