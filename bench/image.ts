/**
 * The image vs a naive single-stage build that mimics the origin project's Dockerfile (apt-get upgrade, gcc and
 * python3-dev kept, sudo, DAGs copied before the install, pip cache and apt lists left in the image), on the same
 * locally made base, in the same run. The naive build installs from PyPI at build time as the origin did (through
 * this machine's TLS-intercepting proxy CA), and, as a conservative second baseline, from our wheelhouse:
 *   1. image size            target: ours <= 0.6x naive
 *   2. DAG-only rebuild      target: ours <= 5 s and >= 30x faster than naive
 *   3. cold build (no layer cache; ours = builder image + runtime image), for information
 * Ours DAG-only rebuild reuses the builder image (the virtualenv, tagged by the hash of lock, base and platform), so
 * its context is the entrypoint, plugins and DAGs only.
 * Needs: scripts/testbed/docker.sh engine + python-image, PyPI access for the first lock/wheelhouse.
 * Run: node dist/bench/image.js   (about 10 minutes on 2 cores)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DockerCli } from '../src/adapters/docker/docker-cli.js';
import { assembleContext } from '../src/adapters/fs/image-context.js';
import { prepareImage } from '../src/cli/commands/image-common.js';
import { buildArgs, renderBuilderDockerfile, renderRuntimeDockerfile } from '../src/image/plan.js';
import { loadConfig } from '../src/config/load.js';
import { requireImage, TEST_BASE_IMAGE } from '../test/support/docker-testbed.js';
import { buildImage, createImageProject, HELLO_DAG } from '../test/support/image-project.js';

const AIRFLOW = '3.3.2';
const NAIVE_TAG = 'airflow-aws-bench/naive:origin';
const COLD_BUILDER = 'airflow-aws-bench/ours-builder:cold';
/** This machine's trust store: PyPI is reached through a TLS-intercepting proxy. */
const CA_BUNDLE = process.env['SSL_CERT_FILE'] ?? '/etc/ssl/certs/ca-certificates.crt';

type NaiveSource = 'wheelhouse' | 'pypi';

function naiveDockerfile(base: string, source: NaiveSource): string {
  // The origin project's shape: one stage, everything as root, upgrade + compilers, DAGs before the install.
  // 'pypi' installs from the internet at build time as the origin did (its constraints file emulated by our lock's
  // pins without hashes; the CA bundle is this machine's TLS-intercepting proxy), 'wheelhouse' from our wheelhouse.
  const install =
    source === 'pypi'
      ? `/opt/venv/bin/pip install --cert /opt/airflow/ca.pem -c /opt/airflow/constraints.txt "apache-airflow[amazon,cncf.kubernetes,postgres,fab]==${AIRFLOW}" dumb-init`
      : `/opt/venv/bin/pip install --no-index --find-links /opt/airflow/wheels "apache-airflow[amazon,cncf.kubernetes,postgres,fab]==${AIRFLOW}" dumb-init`;
  return [
    `FROM ${base}`,
    'USER root',
    'RUN apt-get update && apt-get upgrade -y && apt-get install -y gcc python3-dev libpq-dev sudo',
    'COPY . /opt/airflow',
    'WORKDIR /opt/airflow',
    'ENV AIRFLOW_HOME=/opt/airflow',
    `RUN python3 -m venv /opt/venv && ${install}`,
    'ENV PATH=/opt/venv/bin:$PATH',
    'CMD ["airflow", "version"]',
    '',
  ].join('\n');
}

/** The lock's pins without hashes: what a constraints file carries. */
function constraintsFrom(lockText: string): string {
  return `${[...lockText.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s\\]+)/gm)].map((m) => m[1]).join('\n')}\n`;
}

function dockerBuild(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync('docker', ['build', ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`docker build failed:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return ms;
}

function imageSize(ref: string): number {
  const r = spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', ref], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function versionOf(ref: string): string {
  return spawnSync('docker', ['run', '--rm', ref, 'airflow', 'version'], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';
}

async function main(): Promise<void> {
  requireImage(TEST_BASE_IMAGE, 'python-image');
  const project = await createImageProject({ airflowVersion: AIRFLOW, python: '3.11', name: 'benchimg' });
  const produced: string[] = [];
  try {
    await project.lock();
    const wheelhouse = await project.wheelhouse();

    // Naive contexts: the project folder copied whole, as the origin did (+ wheelhouse, or constraints + CA bundle).
    const naive: Record<NaiveSource, { ctx: string; tag: string; cold: number; rebuild: number }> = {
      wheelhouse: { ctx: await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-naive-')), tag: `${NAIVE_TAG}-wheelhouse`, cold: 0, rebuild: 0 },
      pypi: { ctx: await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-naive-')), tag: `${NAIVE_TAG}-pypi`, cold: 0, rebuild: 0 },
    };
    for (const [source, n] of Object.entries(naive) as [NaiveSource, (typeof naive)[NaiveSource]][]) {
      spawnSync('cp', ['-r', path.join(project.dir, 'dags'), path.join(n.ctx, 'dags')]);
      if (source === 'wheelhouse') spawnSync('cp', ['-rl', wheelhouse, path.join(n.ctx, 'wheels')]);
      else {
        spawnSync('cp', [CA_BUNDLE, path.join(n.ctx, 'ca.pem')]);
        await writeFile(path.join(n.ctx, 'constraints.txt'), constraintsFrom(await project.lockText()));
      }
      await writeFile(path.join(n.ctx, 'Dockerfile'), naiveDockerfile(TEST_BASE_IMAGE, source));
    }

    // (3) cold builds, no layer cache.
    for (const [source, n] of Object.entries(naive)) {
      console.log(`cold build: naive (${source}) ...`);
      n.cold = dockerBuild(['--no-cache', '-t', n.tag, n.ctx]);
    }
    console.log('cold build: ours ...');
    // Ours cold: the builder image (virtualenv) then the runtime image, both without the layer cache.
    const config = await loadConfig(path.join(project.dir, 'airflow-aws.yaml'));
    const prepared = await prepareImage(config, TEST_BASE_IMAGE);
    const docker = new DockerCli();
    let t0 = performance.now();
    const builderCtx = await assembleContext({
      dockerfile: renderBuilderDockerfile(prepared.inputs, { wheelhouse: true, caBundle: false }),
      lockText: prepared.lockText,
      assets: prepared.builderAssets,
      wheelhouseDir: wheelhouse,
    });
    await docker.build({ contextDir: builderCtx, tags: [COLD_BUILDER], buildArgs: { BASE_IMAGE: TEST_BASE_IMAGE }, builder: 'legacy', noCache: true });
    await rm(builderCtx, { recursive: true, force: true });
    const runtimeCtx = await assembleContext({
      dockerfile: renderRuntimeDockerfile(prepared.inputs),
      assets: prepared.assets,
      dagsDir: prepared.paths.dagsDir,
      pluginsDir: prepared.paths.pluginsDir,
    });
    await docker.build({
      contextDir: runtimeCtx,
      tags: ['airflow-aws-bench/ours:cold'],
      buildArgs: buildArgs(prepared.inputs, COLD_BUILDER, 'cold', undefined),
      builder: 'legacy',
      noCache: true,
    });
    const oursCold = performance.now() - t0;
    await rm(runtimeCtx, { recursive: true, force: true });

    // The product path (CLI, content tag) with the layer cache warm from the cold build.
    const ours = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
    produced.push(ours.builderImage);

    // (1) sizes
    const oursSize = imageSize(ours.image);
    for (const n of Object.values(naive)) {
      if (versionOf(n.tag) !== AIRFLOW) throw new Error(`${n.tag} does not report Airflow ${AIRFLOW}`);
    }
    if (versionOf(ours.image) !== AIRFLOW) throw new Error('our image does not report the Airflow version');

    // (2) DAG-only change → rebuild (median of 3 edits for ours; one for naive, which reinstalls everything).
    const oursRebuilds: number[] = [];
    produced.push(ours.image);
    for (let i = 1; i <= 3; i++) {
      await writeFile(path.join(project.dir, 'dags', 'hello.py'), `${HELLO_DAG}\n# edit ${i} ${Date.now()}\n`);
      t0 = performance.now();
      const r = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
      oursRebuilds.push(performance.now() - t0);
      produced.push(r.image);
      if (!r.built) throw new Error('a DAG edit must produce a new tag');
      if (r.builderBuilt) throw new Error('a DAG edit must not rebuild the builder image');
    }
    oursRebuilds.sort((a, b) => a - b);
    const oursRebuild = oursRebuilds[1]!;
    for (const [source, n] of Object.entries(naive)) {
      await writeFile(path.join(n.ctx, 'dags', 'hello.py'), `${HELLO_DAG}\n# edit ${Date.now()}\n`);
      console.log(`DAG-only rebuild: naive (${source}) ...`);
      n.rebuild = dockerBuild(['-t', n.tag, n.ctx]);
      await rm(n.ctx, { recursive: true, force: true });
    }

    const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log('');
    console.log(`load average (1, 5, 15 min) at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} CPUs`);
    console.log(`base image: ${TEST_BASE_IMAGE} (${mb(imageSize(TEST_BASE_IMAGE))}); Airflow ${AIRFLOW}, Python 3.11, legacy builder; ours installs from the wheelhouse`);
    for (const [source, n] of Object.entries(naive)) {
      const naiveSize = imageSize(n.tag);
      const sizeRatio = oursSize / naiveSize;
      const speedup = n.rebuild / oursRebuild;
      console.log(`-- vs naive installing from ${source === 'pypi' ? 'PyPI at build time (as the origin did)' : 'the same wheelhouse'}`);
      console.log(`image size          ours ${mb(oursSize).padStart(7)}   naive ${mb(naiveSize).padStart(7)}   ratio ${sizeRatio.toFixed(2)}x   target <= 0.60x: ${sizeRatio <= 0.6 ? 'met' : 'MISSED'}`);
      console.log(
        `DAG-only rebuild    ours ${s(oursRebuild).padStart(7)}   naive ${s(n.rebuild).padStart(7)}   ${speedup.toFixed(0)}x faster   target <= 5 s: ${oursRebuild <= 5000 ? 'met' : 'MISSED'}, >= 30x: ${speedup >= 30 ? 'met' : 'MISSED'}`,
      );
      console.log(`cold build          ours ${s(oursCold).padStart(7)}   naive ${s(n.cold).padStart(7)}   ratio ${(oursCold / n.cold).toFixed(2)}x`);
    }
    console.log(`(ours DAG-only rebuilds: ${oursRebuilds.map(s).join(', ')}; includes the CLI: config, lock check, hashing, context, docker build)`);
  } finally {
    spawnSync('docker', ['image', 'rm', '-f', `${NAIVE_TAG}-wheelhouse`, `${NAIVE_TAG}-pypi`, 'airflow-aws-bench/ours:cold', COLD_BUILDER, ...produced], { stdio: 'ignore' });
    await rm(project.dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
