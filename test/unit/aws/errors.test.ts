/** AWS SDK errors -> UserErrors with stable codes; the region list; the stack-ownership check. */
import { LimitExceededException as CfnLimitExceeded } from '@aws-sdk/client-cloudformation';
import { AccessDeniedException, ResourceLimitExceededException } from '@aws-sdk/client-eks';
import { LimitExceededException as IamLimitExceeded } from '@aws-sdk/client-iam';
import { ExpiredTokenException } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { assertStackIsOurs, awsUserError, deniedAction } from '../../../src/adapters/aws/errors.js';
import { AWS_REGIONS, assertKnownRegion, isKnownRegion, similarRegions } from '../../../src/config/regions.js';
import { UserError } from '../../../src/errors/user-error.js';
import { DEPLOYMENT_TAG } from '../../../src/infra/names.js';

/**
 * EC2 errors reach us as the client's base ServiceException named after the wire code; shaped like it here because
 * client-ec2 is not a dependency. The credential chain's CredentialsProviderError (from @smithy/property-provider,
 * also not a direct dependency) likewise; the moto integration test gets the real one from the SDK.
 */
function ec2(code: string, message: string): object {
  return Object.assign(new Error(message), { name: code, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

function providerError(message: string): object {
  return Object.assign(new Error(message), { name: 'CredentialsProviderError', tryNextLink: false });
}

function netError(code: string, hostname: string): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, errno: -3008, syscall: 'getaddrinfo', hostname });
}

const DENIED_EKS =
  'User: arn:aws:sts::111122223333:assumed-role/Dev/alice is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:eu-west-1:111122223333:cluster/demo-airflow because no identity-based policy allows the eks:CreateAccessEntry action';

/** [case, error, context region, expected code, patterns the message+hint must contain] */
const cases: readonly [string, unknown, string | undefined, string, RegExp[]][] = [
  ['no credentials from the chain', providerError('Could not load credentials from any providers'), 'eu-west-1', 'AWS_NO_CREDENTIALS', [/no AWS credentials/, /aws sso login/, /AWS_PROFILE/]],
  ['an expired SSO session', providerError('The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.'), undefined, 'AWS_CREDENTIALS_EXPIRED', [/expired/, /aws sso login/]],
  ['ExpiredToken (STS exception class)', new ExpiredTokenException({ message: 'The security token included in the request is expired', $metadata: {} }), undefined, 'AWS_CREDENTIALS_EXPIRED', [/expired/, /aws sso login/]],
  ['ExpiredToken (plain object)', { name: 'ExpiredToken', message: 'The provided token has expired.' }, undefined, 'AWS_CREDENTIALS_EXPIRED', [/renew/]],
  ['an unknown access key', { name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' }, undefined, 'AWS_CREDENTIALS_INVALID', [/get-caller-identity/]],
  ['EKS AccessDeniedException', new AccessDeniedException({ message: DENIED_EKS, $metadata: {} }), 'eu-west-1', 'AWS_ACCESS_DENIED', [/eks:CreateAccessEntry on arn:aws:eks:eu-west-1:111122223333:cluster\/demo-airflow/, /grant eks:CreateAccessEntry/]],
  ['EC2 UnauthorizedOperation', ec2('UnauthorizedOperation', 'You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:eu-west-1:111122223333:vpc/* with an explicit deny in a service control policy. Encoded authorization failure message: abc'), 'eu-west-1', 'AWS_ACCESS_DENIED', [/ec2:CreateVpc/, /explicit deny/, /service control policy/]],
  ['S3 AccessDenied without an action', { name: 'AccessDenied', message: 'Access Denied' }, undefined, 'AWS_ACCESS_DENIED', [/perform this call/]],
  ['VpcLimitExceeded', ec2('VpcLimitExceeded', 'The maximum number of VPCs has been reached.'), 'eu-west-1', 'AWS_QUOTA_EXCEEDED', [/VPCs per Region/, /service-code vpc/, /Service Quotas console/, /eu-west-1/]],
  ['AddressLimitExceeded', ec2('AddressLimitExceeded', 'The maximum number of addresses has been reached.'), 'eu-west-1', 'AWS_QUOTA_EXCEEDED', [/Elastic IPs/, /service-code ec2/]],
  ['EKS ResourceLimitExceededException', new ResourceLimitExceededException({ message: 'You have exceeded your cluster quota', $metadata: {} }), undefined, 'AWS_QUOTA_EXCEEDED', [/EKS clusters/, /service-code eks/]],
  ['IAM LimitExceededException', new IamLimitExceeded({ message: 'Cannot exceed quota for RolesPerAccount: 1000', $metadata: {} }), undefined, 'AWS_QUOTA_EXCEEDED', [/an account quota/, /RolesPerAccount/, /service-quotas/]],
  ['CloudFormation LimitExceededException', new CfnLimitExceeded({ message: 'Limit for stacks exceeded', $metadata: {} }), undefined, 'AWS_QUOTA_EXCEEDED', [/Limit for stacks/]],
  ['ServiceQuotaExceededException', { name: 'ServiceQuotaExceededException', message: 'quota reached' }, undefined, 'AWS_QUOTA_EXCEEDED', [/service-quotas/]],
  ['a "maximum number of" text under another code', { name: 'InvalidRequest', message: 'You have reached the maximum number of NAT gateways' }, undefined, 'AWS_QUOTA_EXCEEDED', [/NAT gateways/]],
  ['EC2 throttling is not a quota', ec2('RequestLimitExceeded', 'Request limit exceeded.'), undefined, 'AWS_API_ERROR', [/RequestLimitExceeded/]],
  ['ENOTFOUND on a typo region', netError('ENOTFOUND', 'sts.eu-wset-1.amazonaws.com'), 'eu-wset-1', 'UNKNOWN_REGION', [/"eu-wset-1"/, /did you mean eu-west-1/]],
  ['ENOTFOUND, region only in the host name', netError('ENOTFOUND', 'eks.us-east-9.amazonaws.com'), undefined, 'UNKNOWN_REGION', [/"us-east-9"/]],
  ['ENOTFOUND on a real region (network down)', netError('ENOTFOUND', 'sts.eu-west-1.amazonaws.com'), 'eu-west-1', 'AWS_ENDPOINT_UNREACHABLE', [/sts\.eu-west-1\.amazonaws\.com/, /proxy/]],
  ['anything else', { name: 'ValidationError', message: 'Template format error' }, undefined, 'AWS_API_ERROR', [/ValidationError: Template format error/]],
];

describe('awsUserError', () => {
  for (const [name, err, region, code, patterns] of cases) {
    it(`maps ${name} to ${code}`, () => {
      const u = awsUserError(err, { action: 'doing the thing', ...(region ? { region } : {}), env: {} });
      assert.equal(u.code, code);
      assert.equal(u.cause, err);
      const text = [u.message, u.hint ?? '', ...u.details].join('\n');
      for (const p of patterns) assert.match(text, p);
    });
  }

  it('names every link of the default credential chain', () => {
    const u = awsUserError(providerError('Could not load credentials from any providers'), { action: 'x', env: {} });
    const details = u.details.join('\n');
    for (const p of [/AWS_ACCESS_KEY_ID/, /~\/\.aws\/config/, /~\/\.aws\/credentials/, /SSO/, /AWS_WEB_IDENTITY_TOKEN_FILE/, /ECS/, /EC2 instance metadata/]) assert.match(details, p);
  });

  it('names the active profile when AWS_PROFILE is set', () => {
    const u = awsUserError(providerError('Could not load credentials from any providers'), { action: 'x', env: { AWS_PROFILE: 'prod' } });
    assert.match(u.hint ?? '', /aws sso login --profile prod/);
  });

  it('passes a UserError through', () => {
    const original = new UserError('already mapped', { code: 'X' });
    assert.equal(awsUserError(original, 'x'), original);
  });

  it('gives an unknown region the bad-input exit code', () => {
    assert.equal(awsUserError(netError('ENOTFOUND', 'sts.xx-nowhere-9.amazonaws.com'), { action: 'x', region: 'xx-nowhere-9' }).exitCode, 2);
  });
});

describe('deniedAction', () => {
  const cases: readonly [string, string, ReturnType<typeof deniedAction>][] = [
    ['an identity-policy miss', DENIED_EKS, { action: 'eks:CreateAccessEntry', resource: 'arn:aws:eks:eu-west-1:111122223333:cluster/demo-airflow', principal: 'arn:aws:sts::111122223333:assumed-role/Dev/alice', explicitDeny: false }],
    ['a quoted S3 resource', 'User: arn:aws:iam::1:user/x is not authorized to perform: s3:CreateBucket on resource: "arn:aws:s3:::logs" because no identity-based policy allows the s3:CreateBucket action', { action: 's3:CreateBucket', resource: 'arn:aws:s3:::logs', principal: 'arn:aws:iam::1:user/x', explicitDeny: false }],
    ['a message without an action', 'Access Denied', { explicitDeny: false }],
  ];
  for (const [name, message, expected] of cases) it(`parses ${name}`, () => assert.deepEqual(deniedAction(message), expected));
});

describe('regions', () => {
  for (const r of ['us-east-1', 'ap-southeast-5', 'ap-southeast-7', 'mx-central-1', 'ca-west-1', 'us-gov-west-1', 'cn-northwest-1']) {
    it(`knows ${r}`, () => assert.equal(isKnownRegion(r), true));
  }
  for (const r of ['eu-wset-1', 'us-east-7', 'US-EAST-1', '', 'toString', 'us-iso-east-1']) {
    it(`refuses ${JSON.stringify(r)}`, () => assert.throws(() => assertKnownRegion(r), (e: unknown) => UserError.is(e) && e.code === 'UNKNOWN_REGION'));
  }
  it('suggests the nearest regions', () => {
    assert.deepEqual(similarRegions('eu-wset-1').slice(0, 1), ['eu-west-1']);
    assert.deepEqual(similarRegions('nowhere'), []);
  });

  it('knows every region of the commercial, China, GovCloud and EU sovereign partitions in the installed SDK', () => {
    // The SDK's endpoint rules carry the region table; a region AWS adds shows up here after an SDK upgrade.
    const fromSts = createRequire(createRequire(import.meta.url).resolve('@aws-sdk/client-sts'));
    const core = dirname(fromSts.resolve('@aws-sdk/core/package.json'));
    const src = readFileSync(join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'), 'utf8');
    const info = JSON.parse(src.slice(src.indexOf('{'), src.lastIndexOf('}') + 1)) as { partitions: { id: string; regions: Record<string, unknown> }[] };
    const sdk = info.partitions
      .filter((p) => ['aws', 'aws-cn', 'aws-us-gov', 'aws-eusc'].includes(p.id))
      .flatMap((p) => Object.keys(p.regions).filter((r) => !r.endsWith('-global')).map((r) => `${r}=${p.id}`));
    assert.ok(sdk.length > 30, 'read the SDK region table');
    const ours = Object.entries(AWS_REGIONS).map(([r, p]) => `${r}=${p}`);
    assert.deepEqual(sdk.filter((r) => !ours.includes(r)), [], 'regions missing from AWS_REGIONS');
  });
});

describe('assertStackIsOurs', () => {
  it('accepts a stack tagged with this deployment', () =>
    assert.doesNotThrow(() => assertStackIsOurs('demo-airflow', [{ Key: 'x', Value: 'y' }, { Key: DEPLOYMENT_TAG, Value: 'demo' }], 'demo')));
  const refused: readonly [string, { Key?: string; Value?: string }[] | undefined, RegExp][] = [
    ['no tags', undefined, /has no airflow-aws:deployment tag/],
    ['other tags only', [{ Key: 'team', Value: 'data' }], /has no airflow-aws:deployment tag/],
    ["another deployment's tag", [{ Key: DEPLOYMENT_TAG, Value: 'other' }], /tag is "other"/],
  ];
  for (const [name, tags, pattern] of refused) {
    it(`refuses a stack with ${name}`, () =>
      assert.throws(() => assertStackIsOurs('demo-airflow', tags, 'demo'), (e: unknown) => UserError.is(e) && e.code === 'STACK_NOT_OURS' && pattern.test(e.message) && e.exitCode === 2));
  }
});
