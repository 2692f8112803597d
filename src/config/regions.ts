/**
 * Pure: is a region name one AWS has? A typo such as `eu-wset-1` otherwise surfaces as a DNS failure
 * (getaddrinfo ENOTFOUND sts.eu-wset-1.amazonaws.com) minutes into a deploy.
 *
 * Static on purpose (offline `validate`/`plan`); a unit test compares it with the region table bundled in the
 * installed AWS SDK so a new region fails the test instead of being refused here. ISO partitions are left out:
 * they are air-gapped and this tool cannot reach them.
 * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */
import { UserError, EXIT_BAD_INPUT } from '../errors/user-error.js';

/** Region -> partition, for every region this tool can deploy to. */
export const AWS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  'us-east-1': 'aws',
  'us-east-2': 'aws',
  'us-west-1': 'aws',
  'us-west-2': 'aws',
  'af-south-1': 'aws',
  'ap-east-1': 'aws',
  'ap-east-2': 'aws',
  'ap-northeast-1': 'aws',
  'ap-northeast-2': 'aws',
  'ap-northeast-3': 'aws',
  'ap-south-1': 'aws',
  'ap-south-2': 'aws',
  'ap-southeast-1': 'aws',
  'ap-southeast-2': 'aws',
  'ap-southeast-3': 'aws',
  'ap-southeast-4': 'aws',
  'ap-southeast-5': 'aws',
  'ap-southeast-6': 'aws',
  'ap-southeast-7': 'aws',
  'ca-central-1': 'aws',
  'ca-west-1': 'aws',
  'eu-central-1': 'aws',
  'eu-central-2': 'aws',
  'eu-north-1': 'aws',
  'eu-south-1': 'aws',
  'eu-south-2': 'aws',
  'eu-west-1': 'aws',
  'eu-west-2': 'aws',
  'eu-west-3': 'aws',
  'il-central-1': 'aws',
  'me-central-1': 'aws',
  'me-south-1': 'aws',
  'me-west-1': 'aws',
  'mx-central-1': 'aws',
  'sa-east-1': 'aws',
  'sa-west-1': 'aws',
  'us-gov-east-1': 'aws-us-gov',
  'us-gov-west-1': 'aws-us-gov',
  'cn-north-1': 'aws-cn',
  'cn-northwest-1': 'aws-cn',
  'eusc-de-east-1': 'aws-eusc',
});

export function isKnownRegion(region: string): boolean {
  return Object.hasOwn(AWS_REGIONS, region);
}

/** Levenshtein distance, small inputs only (region names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Known regions within two edits of `region`, closest first (for "did you mean"). */
export function similarRegions(region: string): string[] {
  return Object.keys(AWS_REGIONS)
    .map((r) => [r, distance(region.toLowerCase(), r)] as const)
    .filter(([, d]) => d <= 2)
    .sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
    .map(([r]) => r);
}

/** A UNKNOWN_REGION error naming the value and the closest known regions. */
export function unknownRegionError(region: string, cause?: unknown): UserError {
  const near = similarRegions(region);
  return new UserError(`region ${JSON.stringify(region)} is not an AWS region`, {
    code: 'UNKNOWN_REGION',
    exitCode: EXIT_BAD_INPUT,
    hint: near.length > 0
      ? `did you mean ${near.join(' or ')}? Set \`region\` in the config (or AWS_REGION) to an AWS region`
      : 'set `region` in the config (or AWS_REGION) to an AWS region, e.g. us-east-1 or eu-west-1',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Throws UNKNOWN_REGION unless `region` is a region this tool can deploy to. */
export function assertKnownRegion(region: string): void {
  if (!isKnownRegion(region)) throw unknownRegionError(region);
}
