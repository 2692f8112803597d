import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTemplates, formatInfraDiff } from '../../../src/plan/infra-diff.js';
import type { CfnTemplate } from '../../../src/infra/synthesize.js';

const bucket = (props: Record<string, unknown> = {}) => ({ Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' }, ...props } });
const db = (engine: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::RDS::DBInstance',
  Properties: { EngineVersion: engine, StorageEncrypted: true },
  DeletionPolicy: 'Snapshot',
  ...extra,
});

describe('diffTemplates', () => {
  const cases: readonly [string, CfnTemplate, CfnTemplate | undefined, string[], number][] = [
    ['identical templates', { Resources: { B: bucket(), D: db('17.6') } }, { Resources: { B: bucket(), D: db('17.6') } }, [], 2],
    ['nothing deployed yet', { Resources: { B: bucket() } }, undefined, ['+ B'], 0],
    ['an added resource', { Resources: { B: bucket(), D: db('17.6') } }, { Resources: { B: bucket() } }, ['+ D'], 1],
    ['a removed resource', { Resources: { B: bucket() } }, { Resources: { B: bucket(), D: db('17.6') } }, ['- D'], 1],
    ['a changed property', { Resources: { D: db('17.7') } }, { Resources: { D: db('17.6') } }, ['~ D EngineVersion'], 0],
    ['a changed deletion policy', { Resources: { D: db('17.6', { DeletionPolicy: 'Delete' }) } }, { Resources: { D: db('17.6') } }, ['~ D DeletionPolicy'], 0],
    ['a changed type is remove + add', { Resources: { X: bucket() } }, { Resources: { X: db('17.6') } }, ['- X', '+ X'], 0],
    ['metadata only', { Resources: { B: { ...bucket(), Metadata: { 'aws:cdk:path': 'a' } } } }, { Resources: { B: bucket() } }, [], 1],
    ['number sent as string', { Resources: { D: db('17.6', { Properties: { EngineVersion: '17.6', StorageEncrypted: true, AllocatedStorage: 20 } }) } }, { Resources: { D: db('17.6', { Properties: { EngineVersion: '17.6', StorageEncrypted: true, AllocatedStorage: '20' } }) } }, [], 1],
  ];
  for (const [name, desired, deployed, expected, unchanged] of cases) {
    it(`reports ${name}`, () => {
      const d = diffTemplates(desired, deployed);
      const sign = { add: '+', remove: '-', modify: '~' } as const;
      assert.deepEqual(
        d.changes.map((c) => `${sign[c.kind]} ${c.logicalId}${c.changed ? ` ${c.changed.join(',')}` : ''}`),
        expected,
      );
      assert.equal(d.unchanged, unchanged);
    });
  }

  it('formats no changes, changes and a new stack', () => {
    assert.match(formatInfraDiff('s', { changes: [], unchanged: 3 }), /no changes \(3 resources up to date\)/);
    assert.match(formatInfraDiff('s', 'new'), /not deployed yet/);
    const text = formatInfraDiff('s', diffTemplates({ Resources: { D: db('17.7') } }, { Resources: { D: db('17.6') } }));
    assert.match(text, /~ D \(AWS::RDS::DBInstance\): EngineVersion/);
  });
});
