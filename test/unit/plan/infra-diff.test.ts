import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DescribeChangeSetOutput } from '@aws-sdk/client-cloudformation';
import type { CfnResource, CfnTemplate } from '../../../src/infra/synthesize.js';
import { dangerousChanges, diffStack, formatStackDiff, type ResourceChange, type StackDiff } from '../../../src/plan/infra-diff.js';
import { synth } from '../infra/template-fixture.js';

/** The synthesized template of the default config plus `extra` (YAML), as CloudFormation would store it. */
const template = (extra = ''): CfnTemplate => synth(extra).template.toJSON() as CfnTemplate;

function idOf(t: CfnTemplate, type: string): string {
  const ids = Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id]) => id);
  assert.equal(ids.length, 1, `exactly one ${type} in the template`);
  return ids[0]!;
}

/** A copy of `t` with the one resource of `type` edited (or removed, when `edit` returns undefined). */
function withResource(t: CfnTemplate, type: string, edit: (r: CfnResource & Record<string, any>) => CfnResource | undefined): CfnTemplate {
  const copy = structuredClone(t) as CfnTemplate & { Resources: Record<string, CfnResource> };
  const id = idOf(copy, type);
  const next = edit(copy.Resources[id] as CfnResource & Record<string, any>);
  if (next) copy.Resources[id] = next;
  else delete copy.Resources[id];
  return copy;
}

const setProperty = (type: string, key: string, value: unknown) => (t: CfnTemplate) =>
  withResource(t, type, (r) => ({ ...r, Properties: { ...r.Properties, [key]: value } }));

/** "action type [replacement causes] !" — `!` marks a dangerous change. */
const summary = (c: ResourceChange) =>
  `${c.action} ${c.type}${c.replacementCauses.length ? ` [${c.replacementCauses.join(',')}]` : ''}${c.dangerous ? ' !' : ''}`;

/** A change set as DescribeChangeSet returns it for one modified property of one resource. */
function changeSet(logicalId: string, type: string, property: string, requiresRecreation: 'Never' | 'Always' | 'Conditionally'): DescribeChangeSetOutput {
  return {
    Changes: [
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: logicalId,
          ResourceType: type,
          Replacement: requiresRecreation === 'Always' ? 'True' : requiresRecreation === 'Never' ? 'False' : 'Conditional',
          Details: [{ Target: { Attribute: 'Properties', Name: property, RequiresRecreation: requiresRecreation }, Evaluation: 'Static', ChangeSource: 'DirectModification' }],
        },
      },
    ],
  };
}

const DB = 'AWS::RDS::DBInstance';

interface Case {
  readonly name: string;
  /** The deployed template, from the default one; undefined: nothing deployed. */
  readonly deployed: CfnTemplate | undefined;
  readonly desired: CfnTemplate;
  readonly changeSet?: (desired: CfnTemplate) => DescribeChangeSetOutput;
  readonly status: StackDiff['status'];
  /** Every change, as `summary` writes it, in the diff's order; or, for wide changes, the distinct summaries. */
  readonly changes: readonly string[];
  readonly distinct?: boolean;
}

describe('diffStack', () => {
  const base = template();
  const cases: readonly Case[] = [
    { name: 'identical templates are unchanged', deployed: base, desired: template(), status: 'unchanged', changes: [] },
    {
      name: 'a stack that is not deployed is new, every resource an addition and none dangerous',
      deployed: undefined,
      desired: base,
      status: 'new',
      changes: [...new Set(Object.values(base.Resources ?? {}).map((r) => `add ${r.Type}`))].sort(),
      distinct: true,
    },
    { name: 'a new instance class modifies the database', deployed: base, desired: template('database:\n  instanceClass: db.t4g.large\n'), status: 'changed', changes: [`modify ${DB}`] },
    {
      name: 'a new tag modifies resources in place and endangers none',
      deployed: base,
      desired: template('tags:\n  team: data\n'),
      status: 'changed',
      changes: [...new Set(Object.values(base.Resources ?? {}).filter((r) => r.Properties?.['Tags']).map((r) => `modify ${r.Type}`))].sort(),
      distinct: true,
    },
    { name: 'a new Kubernetes version upgrades the cluster in place', deployed: base, desired: template('cluster:\n  kubernetesVersion: "1.34"\n'), status: 'changed', changes: ['modify AWS::EKS::Cluster'] },
    {
      name: 'new node instance types replace the node group, which holds no data',
      deployed: base,
      desired: template('cluster:\n  nodeGroup:\n    instanceTypes: [m6i.xlarge]\n'),
      status: 'changed',
      changes: ['replace AWS::EKS::Nodegroup [InstanceTypes]'],
    },
    {
      name: 'a renamed repository replaces it: dangerous',
      deployed: base,
      desired: template('registry:\n  repositoryName: other/airflow\n'),
      status: 'changed',
      changes: ['replace AWS::ECR::Repository [RepositoryName] !'],
    },
    {
      name: 'a new database instance identifier replaces the database: dangerous',
      deployed: base,
      desired: setProperty(DB, 'DBInstanceIdentifier', 'demo-airflow-2')(base),
      status: 'changed',
      changes: [`replace ${DB} [DBInstanceIdentifier] !`],
    },
    {
      name: 'turning storage encryption off replaces the database: dangerous',
      deployed: base,
      desired: setProperty(DB, 'StorageEncrypted', false)(base),
      status: 'changed',
      changes: [`replace ${DB} [StorageEncrypted] !`],
    },
    {
      name: 'another engine may replace the database: dangerous',
      deployed: base,
      desired: setProperty(DB, 'Engine', 'mysql')(base),
      status: 'changed',
      changes: [`may-replace ${DB} [Engine] !`],
    },
    {
      name: 'a bucket name replaces the bucket (dangerous) and the policy that names it',
      deployed: base,
      desired: setProperty('AWS::S3::Bucket', 'BucketName', 'demo-airflow-logs')(base),
      status: 'changed',
      changes: ['replace AWS::S3::Bucket [BucketName] !', 'replace AWS::S3::BucketPolicy [Bucket]'],
    },
    {
      name: 'a new subnet group name replaces the group and, through its reference, the database',
      deployed: base,
      desired: setProperty('AWS::RDS::DBSubnetGroup', 'DBSubnetGroupName', 'demo-airflow-2')(base),
      status: 'changed',
      changes: [`replace ${DB} [DBSubnetGroupName] !`, 'replace AWS::RDS::DBSubnetGroup [DBSubnetGroupName]'],
    },
    {
      name: 'removing the database is dangerous',
      deployed: base,
      desired: withResource(base, DB, () => undefined),
      status: 'changed',
      changes: [`remove ${DB} !`],
    },
    {
      name: 'removing a stateless resource is not',
      deployed: base,
      desired: withResource(base, 'AWS::S3::BucketPolicy', () => undefined),
      status: 'changed',
      changes: ['remove AWS::S3::BucketPolicy'],
    },
    {
      name: 'a resource attribute change (DeletionPolicy) is a modification',
      deployed: base,
      desired: withResource(base, DB, (r) => ({ ...r, DeletionPolicy: 'Delete' })),
      status: 'changed',
      changes: [`modify ${DB}`],
    },
    {
      name: 'a Metadata-only edit (a checker suppression comment) is no change',
      deployed: base,
      desired: withResource(base, DB, (r) => ({ ...r, Metadata: { checkov: { skip: [] } } })),
      status: 'unchanged',
      changes: [],
    },
    {
      name: 'a number sent as a string is no change',
      deployed: setProperty(DB, 'AllocatedStorage', 20)(base),
      desired: base,
      status: 'unchanged',
      changes: [],
    },
    {
      name: 'a changed type at the same logical id replaces the old resource: dangerous when the old one held data',
      deployed: { Resources: { X: { Type: 'AWS::S3::Bucket' } } },
      desired: { Resources: { X: { Type: 'AWS::SNS::Topic' } } },
      status: 'changed',
      changes: ['replace AWS::SNS::Topic [Type] !'],
    },
    {
      name: 'without a change set, the resource spec says Multi-AZ may replace the database',
      deployed: base,
      desired: setProperty(DB, 'MultiAZ', true)(base),
      status: 'changed',
      changes: [`may-replace ${DB} [MultiAZ] !`],
    },
    {
      name: "with a change set, AWS's answer wins: Multi-AZ updates in place",
      deployed: base,
      desired: setProperty(DB, 'MultiAZ', true)(base),
      changeSet: (t) => changeSet(idOf(t, DB), DB, 'MultiAZ', 'Never'),
      status: 'changed',
      changes: [`modify ${DB}`],
    },
    {
      name: 'with a change set that says an instance class change recreates the database, it is a replacement',
      deployed: base,
      desired: setProperty(DB, 'DBInstanceClass', 'db.t4g.large')(base),
      changeSet: (t) => changeSet(idOf(t, DB), DB, 'DBInstanceClass', 'Always'),
      status: 'changed',
      changes: [`replace ${DB} [DBInstanceClass] !`],
    },
  ];

  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const d = diffStack('demo-airflow', c.desired, c.deployed, c.changeSet?.(c.desired));
      assert.equal(d.stackName, 'demo-airflow');
      assert.equal(d.status, c.status);
      const got = d.changes.map(summary);
      assert.deepEqual(c.distinct ? [...new Set(got)].sort() : got, c.changes);
      const deployedIds = Object.keys(c.deployed?.Resources ?? {});
      const touched = d.changes.filter((x) => deployedIds.includes(x.logicalId) && x.logicalId in (c.desired.Resources ?? {})).length;
      assert.equal(d.unchanged, deployedIds.filter((id) => id in (c.desired.Resources ?? {})).length - touched, 'unchanged = kept resources not changed');
    });
  }

  it('lists the changed properties and marks stateful resources', () => {
    const d = diffStack('s', setProperty(DB, 'DBInstanceIdentifier', 'x')(setProperty(DB, 'DBInstanceClass', 'db.t4g.large')(base)), base);
    assert.deepEqual(
      d.changes.map((c) => [c.properties, c.replacementCauses, c.stateful]),
      [[['DBInstanceClass', 'DBInstanceIdentifier'], ['DBInstanceIdentifier'], true]],
    );
  });
});

describe('dangerousChanges', () => {
  it('returns exactly the replacements and removals of stateful resources, first in the diff', () => {
    const base = template();
    const desired = withResource(
      setProperty('AWS::S3::Bucket', 'BucketName', 'x')(setProperty(DB, 'DBInstanceClass', 'db.t4g.large')(template('cluster:\n  nodeGroup:\n    instanceTypes: [m6i.xlarge]\n'))),
      'AWS::ECR::Repository',
      () => undefined,
    );
    const d = diffStack('s', desired, base);
    assert.deepEqual(dangerousChanges(d).map(summary), ['remove AWS::ECR::Repository !', 'replace AWS::S3::Bucket [BucketName] !']);
    assert.deepEqual(d.changes.slice(0, 2).map(summary), dangerousChanges(d).map(summary), 'dangerous changes come first');
    assert.deepEqual(d.changes.slice(2).map(summary), ['replace AWS::EKS::Nodegroup [InstanceTypes]', 'replace AWS::S3::BucketPolicy [Bucket]', `modify ${DB}`]);
  });

  it('is empty when nothing is dangerous', () => {
    assert.deepEqual(dangerousChanges(diffStack('s', template('tags:\n  team: data\n'), template())), []);
  });
});

describe('formatStackDiff', () => {
  const base = template();
  const cases: readonly [string, StackDiff, readonly RegExp[], readonly RegExp[]][] = [
    ['a new stack', diffStack('demo-airflow', base, undefined), [/^Stack demo-airflow: not deployed yet — all \d+ resources above will be created$/], [/DANGER/]],
    ['no changes', diffStack('demo-airflow', base, base), [/^Stack demo-airflow: no changes \(\d+ resources up to date\)$/], [/DANGER/]],
    [
      'an in-place update',
      diffStack('demo-airflow', setProperty(DB, 'DBInstanceClass', 'db.t4g.large')(base), base),
      [/^Stack demo-airflow: 1 change\(s\), \d+ unchanged$/m, /^ {2}~ DatabaseInstance\w+ \(AWS::RDS::DBInstance\): DBInstanceClass$/m],
      [/DANGER/, /!!/],
    ],
    [
      'a database replacement',
      diffStack('demo-airflow', setProperty(DB, 'DBInstanceIdentifier', 'x')(base), base),
      [
        /1 change\(s\), \d+ unchanged, 1 DANGEROUS$/m,
        /^ {2}!! replace DatabaseInstance\w+ \(AWS::RDS::DBInstance\): DBInstanceIdentifier \(replaces\)$/m,
        /^ +DANGER: replaces the database DatabaseInstance\w+ \(AWS::RDS::DBInstance\) — data loss unless restored from a snapshot$/m,
      ],
      [],
    ],
    [
      'a possible replacement',
      diffStack('demo-airflow', setProperty(DB, 'MultiAZ', true)(base), base),
      [/^ {2}!! may replace DatabaseInstance\w+ .*: MultiAZ \(may replace\)$/m, /DANGER: may replace the database/],
      [],
    ],
    [
      'additions and removals',
      diffStack('demo-airflow', withResource(base, 'AWS::S3::BucketPolicy', () => undefined), withResource(base, 'AWS::ECR::Repository', () => undefined)),
      [/^ {2}\+ RegistryRepository\w+ \(AWS::ECR::Repository\)$/m, /^ {2}- StorageBucketPolicy\w+ \(AWS::S3::BucketPolicy\)$/m],
      [/DANGER/],
    ],
  ];
  for (const [name, diff, present, absent] of cases) {
    it(`renders ${name}`, () => {
      const text = formatStackDiff(diff);
      for (const re of present) assert.match(text, re);
      for (const re of absent) assert.doesNotMatch(text, re);
    });
  }
});
