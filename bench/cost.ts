/**
 * Cost against MWAA: the default config, a dev profile and a large profile, each next to MWAA at the same task
 * concurrency, as ratios, plus the paused dev figure. Goals (issue 9): <= 0.5x MWAA, paused dev <= $80/month.
 * Prints where the profiles stand; no assertion, no timing.
 */
import { parseConfig } from '../src/config/load.js';
import { costReport } from '../src/cost/report.js';

const GOAL_RATIO = 0.5;
const GOAL_PAUSED_DEV_USD = 80;

const PROFILES: readonly { name: string; yaml: string }[] = [
  { name: 'default', yaml: '' },
  {
    name: 'dev',
    yaml: `cluster:
  nodeGroup: {instanceTypes: [t3.large], minSize: 1, desiredSize: 1, maxSize: 2, diskGiB: 20}
database: {instanceClass: db.t4g.micro, storageGiB: 20}
kubernetes:
  apiServer: {replicas: 1}
`,
  },
  {
    name: 'large',
    yaml: `network:
  vpc: {maxAzs: 2, natGateways: 2}
cluster:
  nodeGroup: {instanceTypes: [m6i.xlarge], minSize: 3, desiredSize: 3, maxSize: 6}
database: {instanceClass: db.m6g.large, storageGiB: 100, maxStorageGiB: 500, multiAz: true, backupRetentionDays: 14}
storage: {logRetentionDays: 90}
kubernetes:
  scheduler: {replicas: 2}
`,
  },
];

const usd = (x: number | null) => (x === null ? 'unknown' : `$${x.toFixed(2)}`);
const ratio = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)}x`);

console.log('us-east-1, USD/month; MWAA = environment + extra workers + metadata storage; like-for-like adds NAT, IPv4, logs, S3');
console.log(
  `${'profile'.padEnd(8)} ${'running'.padStart(9)} ${'paused'.padStart(9)}  ${'tasks'.padStart(5)}  ${'MWAA'.padEnd(17)} ${'bill'.padStart(9)} ${'ratio'.padStart(6)} ${'like4like'.padStart(10)} ${'ratio'.padStart(6)}  goal <= ${GOAL_RATIO}x`,
);
for (const p of PROFILES) {
  const config = parseConfig(`name: bench\nregion: us-east-1\n${p.yaml}`, 'bench.yaml', process.cwd());
  const r = costReport(config, { now: new Date() });
  const m = r.mwaa;
  const met = m.ratio === null ? 'n/a' : m.ratio <= GOAL_RATIO ? 'met' : 'MISSED';
  console.log(
    `${p.name.padEnd(8)} ${usd(r.running.totalUsd).padStart(9)} ${usd(r.paused.totalUsd).padStart(9)}  ${String(m.concurrency.tasks).padStart(5)}  ` +
      `${`${m.environmentClass} x${m.workers}`.padEnd(17)} ${usd(m.totalUsd).padStart(9)} ${ratio(m.ratio).padStart(6)} ${usd(m.likeForLikeUsd).padStart(10)} ${ratio(m.ratioLikeForLike).padStart(6)}  ${met}`,
  );
  if (p.name === 'dev') {
    const paused = r.paused.totalUsd;
    const floor = r.paused.lines.filter((l) => l.id === 'eks' || l.id === 'nat' || l.id === 'nat-ipv4').reduce((s, l) => s + (l.monthlyUsd ?? 0), 0);
    console.log(
      `         paused dev ${usd(paused)} vs goal <= $${GOAL_PAUSED_DEV_USD}: ${paused !== null && paused <= GOAL_PAUSED_DEV_USD ? 'met' : 'MISSED'} ` +
        `(EKS control plane + NAT + its IPv4 alone: ${usd(Math.round(floor * 100) / 100)})`,
    );
  }
}
