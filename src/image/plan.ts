/**
 * The image, as data: the Dockerfile for a config, the build context it expects, the content-hash tag and the OCI
 * labels. Pure — the adapters copy files and run Docker; this module decides what they copy and run.
 *
 * Two images, two builds. The builder image holds the virtualenv installed from the lock; its tag is a hash of its
 * own inputs (lock, base image, platform, its Dockerfile and trim script), so it is built once per lock and its
 * context — the lock and, offline, the whole wheelhouse — is sent only then. The runtime build copies the virtualenv
 * out of it, so its context holds only what changes: the entrypoint, plugins and DAGs. Layer order in the runtime
 * image: base → virtualenv → entrypoint → plugins → DAGs, so a DAG edit rebuilds one small layer.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { usesBundle } from '../dags/bundle.js';
import { renderDockerfile, type Dockerfile, type Instruction } from './dockerfile.js';
import { sha256, type Platform } from './lock.js';

/** Bumped when the image layout changes in a way the Dockerfile text alone does not show. */
export const IMAGE_FORMAT = 2;

export const AIRFLOW_UID = 50000;
/** Group 0: OpenShift-style arbitrary UIDs and Airflow's own image both expect it. */
export const AIRFLOW_GID = 0;
export const AIRFLOW_HOME = '/opt/airflow';
export const VENV = '/opt/venv';
/** Helper scripts (DB wait, admin creation) live here; the entrypoint at /entrypoint as in Airflow's image. */
export const HELPERS_DIR = '/usr/local/lib/airflow-aws';
export const ENTRYPOINT_PATH = '/entrypoint';

/** Files of `docker/` (in this package) copied into every image, with their context path and mode. */
export const IMAGE_ASSETS = [
  { source: 'entrypoint.sh', context: 'docker/entrypoint.sh', mode: 0o755 },
  { source: 'wait-for-db.py', context: 'docker/lib/wait-for-db.py', mode: 0o644 },
  { source: 'create-admin.py', context: 'docker/lib/create-admin.py', mode: 0o644 },
] as const;

/** Files of `docker/` copied into the builder image only (never into the runtime image). */
export const BUILDER_ASSETS = [{ source: 'trim-venv.py', context: 'docker/trim-venv.py', mode: 0o644 }] as const;

/** Build context paths (forward slashes). */
export const CONTEXT = {
  lock: 'requirements.lock',
  wheels: 'wheels',
  caBundle: 'certs/extra-ca.pem',
  dags: 'dags',
  plugins: 'plugins',
} as const;

export interface ImageOptions {
  /** Install from `wheels/` in the context with `--no-index`: no network inside the build. */
  readonly wheelhouse: boolean;
  /** Trust `certs/extra-ca.pem` for pip in the builder stage (never copied into the runtime stage). */
  readonly caBundle: boolean;
}

export interface ImageInputs {
  readonly name: string;
  readonly airflowVersion: string;
  readonly python: string;
  readonly baseImage: string;
  readonly platform: Platform;
  /**
   * Whether the DAG folder is copied into the image. Off when DAGs come from a bundle (S3 or git): a DAG edit must
   * then change neither the image nor its tag, and a stale copy in the image must not shadow the bundle.
   */
  readonly dagsInImage: boolean;
}

export function imageInputs(config: ResolvedConfig, baseImageOverride?: string): ImageInputs {
  return {
    name: config.name,
    airflowVersion: config.airflow.version,
    python: config.airflow.python,
    baseImage: baseImageOverride ?? config.image.baseImage,
    platform: config.image.platform,
    dagsInImage: !usesBundle(config),
  };
}

function builderStage(opts: ImageOptions): Instruction[] {
  const pip = [
    `${VENV}/bin/pip`,
    'install',
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--no-deps',
    '--require-hashes',
    // Source-only packages build in an isolated env (from the wheelhouse when offline), never with system tools.
    '--use-pep517',
    ...(opts.wheelhouse ? ['--no-index', '--find-links', '/tmp/wheels'] : []),
    ...(opts.caBundle ? ['--cert', '/tmp/extra-ca.pem'] : []),
    '--requirement',
    '/tmp/requirements.lock',
  ];
  return [
    { kind: 'from', image: '${BASE_IMAGE}', as: 'builder' },
    { kind: 'copy', sources: [CONTEXT.lock], dest: '/tmp/requirements.lock' },
    ...(opts.caBundle ? [{ kind: 'copy', sources: [CONTEXT.caBundle], dest: '/tmp/extra-ca.pem' } as const] : []),
    ...(opts.wheelhouse ? [{ kind: 'copy', sources: [`${CONTEXT.wheels}/`], dest: '/tmp/wheels/' } as const] : []),
    { kind: 'copy', sources: [BUILDER_ASSETS[0].context], dest: '/tmp/trim-venv.py' },
    {
      kind: 'run',
      commands: [
        // Whatever python3 the base puts first on PATH (/usr/local/bin in python:*-slim, /usr/bin in Debian):
        // the runtime stage is the same base, so the venv's interpreter link resolves there too.
        ['python3', '-m', 'venv', VENV],
        pip,
        // Consistency of the installed set (catches a lock edited by hand), then drop pip: the image is immutable.
        [`${VENV}/bin/python`, '-m', 'pip', 'check'],
        [`${VENV}/bin/python`, '-m', 'pip', 'uninstall', '--yes', '--quiet', 'pip'],
        // Tests, type stubs, C sources and shared-object symbols: read by nothing at runtime (see the script).
        [`${VENV}/bin/python`, '/tmp/trim-venv.py', VENV],
      ],
    },
  ];
}

function runtimeStage(inputs: ImageInputs): Instruction[] {
  const owner = `${AIRFLOW_UID}:${AIRFLOW_GID}`;
  return [
    { kind: 'from', image: '${BUILDER_IMAGE}', as: 'builder' },
    { kind: 'from', image: '${BASE_IMAGE}', as: 'runtime' },
    // Re-declared: a global ARG is visible in FROM lines only.
    { kind: 'arg', name: 'BASE_IMAGE' },
    {
      kind: 'env',
      vars: [
        ['AIRFLOW_HOME', AIRFLOW_HOME],
        ['PATH', `${VENV}/bin:$PATH`],
        ['PYTHONUNBUFFERED', '1'],
        ['LANG', 'C.UTF-8'],
      ],
    },
    {
      kind: 'run',
      commands: [
        ['useradd', '--uid', String(AIRFLOW_UID), '--gid', String(AIRFLOW_GID), '--home-dir', AIRFLOW_HOME, '--no-create-home', '--no-log-init', '--shell', '/bin/bash', 'airflow'],
        ['mkdir', '-p', `${AIRFLOW_HOME}/dags`, `${AIRFLOW_HOME}/plugins`, `${AIRFLOW_HOME}/logs`],
        ['chown', '-R', owner, AIRFLOW_HOME],
        // Group-writable like the owner: the pod may run with any UID as long as the group is 0.
        ['chmod', '-R', 'g=u', AIRFLOW_HOME],
      ],
    },
    { kind: 'copy', from: 'builder', sources: [VENV], dest: VENV },
    { kind: 'copy', sources: ['docker/entrypoint.sh'], dest: ENTRYPOINT_PATH },
    { kind: 'copy', sources: ['docker/lib/'], dest: `${HELPERS_DIR}/` },
    // Modes from the build context are not reliable (synth output, Windows checkouts); set them here.
    { kind: 'run', commands: [['chmod', '0755', ENTRYPOINT_PATH], ['chmod', '-R', 'a+rX', HELPERS_DIR]] },
    {
      kind: 'label',
      labels: [
        ['org.opencontainers.image.title', `${inputs.name} Apache Airflow`],
        ['org.opencontainers.image.base.name', '${BASE_IMAGE}'],
        ['org.apache.airflow.version', inputs.airflowVersion],
        ['io.airflow-aws.python', inputs.python],
      ],
    },
    { kind: 'user', user: owner },
    { kind: 'workdir', dir: AIRFLOW_HOME },
    { kind: 'expose', ports: [8080] },
    { kind: 'entrypoint', argv: [`${VENV}/bin/dumb-init`, '--', ENTRYPOINT_PATH] },
    { kind: 'cmd', argv: ['airflow', 'version'] },
    { kind: 'comment', text: 'Last, in order of change frequency: a DAG edit rebuilds only the final layer.' },
    { kind: 'copy', chown: owner, sources: [`${CONTEXT.plugins}/`], dest: `${AIRFLOW_HOME}/plugins/` },
    ...(inputs.dagsInImage ? [{ kind: 'copy', chown: owner, sources: [`${CONTEXT.dags}/`], dest: `${AIRFLOW_HOME}/dags/` } as const] : []),
    // Declared after the DAGs so a new revision never invalidates a cached layer.
    { kind: 'arg', name: 'SOURCE_REVISION', default: 'unknown' },
    { kind: 'arg', name: 'IMAGE_VERSION', default: 'unknown' },
    {
      kind: 'label',
      labels: [
        ['org.opencontainers.image.revision', '${SOURCE_REVISION}'],
        ['org.opencontainers.image.version', '${IMAGE_VERSION}'],
      ],
    },
  ];
}

/** The builder image's Dockerfile: its context is the lock, the trim script and, when asked, wheels and CA bundle. */
export function builderDockerfile(inputs: ImageInputs, opts: ImageOptions): Dockerfile {
  return {
    header: [
      `Builder of the Apache Airflow ${inputs.airflowVersion} (Python ${inputs.python}) virtualenv (no project files: one per lock).`,
      'Generated by airflow-aws from airflow-aws.yaml and the lock; edit those, not this file.',
      'Build context: requirements.lock, docker/trim-venv.py' +
        (opts.wheelhouse ? ', wheels/' : '') +
        (opts.caBundle ? ', certs/extra-ca.pem' : '') +
        '. Tagged by the hash of its inputs and built once per lock; the runtime image copies /opt/venv from it.',
    ],
    globalArgs: [{ name: 'BASE_IMAGE', default: inputs.baseImage }],
    stages: [
      {
        doc: [
          'A virtualenv installed from the hashed lock only (--require-hashes, --no-deps).',
          opts.caBundle ? 'The extra CA bundle is used here and never reaches the runtime image.' : '',
        ].filter(Boolean),
        instructions: builderStage(opts),
      },
    ],
  };
}

/** The runtime image's Dockerfile: its context is docker/ (entrypoint and helpers), plugins/ and dags/. */
export function runtimeDockerfile(inputs: ImageInputs): Dockerfile {
  return {
    header: [
      `Apache Airflow ${inputs.airflowVersion} (Python ${inputs.python}) for ${inputs.name}.`,
      'Generated by airflow-aws from airflow-aws.yaml and the lock; edit those, not this file.',
      `Build context: docker/, plugins/${inputs.dagsInImage ? ', dags/' : ' (DAGs come from a bundle, not the image)'}.`,
      'BUILDER_IMAGE: the image built from Dockerfile.builder (`image build` builds it first and passes its tag).',
    ],
    globalArgs: [{ name: 'BASE_IMAGE', default: inputs.baseImage }, { name: 'BUILDER_IMAGE' }],
    stages: [
      {
        doc: [
          'The builder image is named as a stage because COPY --from takes no build argument.',
          'Runtime: the same base, the virtualenv, the entrypoint; no compilers, no package manager runs, UID 50000, GID 0.',
        ],
        instructions: runtimeStage(inputs),
      },
    ],
  };
}

export function renderBuilderDockerfile(inputs: ImageInputs, opts: ImageOptions): string {
  return renderDockerfile(builderDockerfile(inputs, opts));
}

export function renderRuntimeDockerfile(inputs: ImageInputs): string {
  return renderDockerfile(runtimeDockerfile(inputs));
}

/** A file of the build context, by content digest (the adapter computes digests; this module only combines them). */
export interface ContentEntry {
  readonly path: string;
  readonly sha256: string;
  readonly mode?: number;
}

function sortedEntries(files: readonly ContentEntry[]): [string, string, string][] {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => [f.path, f.sha256, (f.mode ?? 0o644) & 0o111 ? 'x' : '-']);
}

/**
 * The builder image's tag: `<airflow>-py<python>-<12 hex>` over what decides the virtualenv — its Dockerfile (in
 * network-install form: a wheelhouse install of the same hashed lock gives the same files), the lock, its helper
 * files, the base image and platform. Another DAG, plugin or entrypoint never changes it.
 */
export function builderTag(inputs: ImageInputs, lockText: string, builderFiles: readonly ContentEntry[]): string {
  const canonical = renderBuilderDockerfile(inputs, { wheelhouse: false, caBundle: false });
  const digest = sha256(
    JSON.stringify({
      format: IMAGE_FORMAT,
      base: inputs.baseImage,
      platform: inputs.platform,
      dockerfile: sha256(canonical),
      lock: sha256(lockText),
      files: sortedEntries(builderFiles),
    }),
  );
  return `${inputs.airflowVersion}-py${inputs.python}-${digest.slice(0, 12)}`;
}

/** Local-only repository of builder images, next to the image's own: `<repository>-builder`. */
export function builderRepository(repository: string): string {
  return `${repository}-builder`;
}

/**
 * The image tag: `<airflow>-py<python>-<12 hex>` where the hash covers everything that reaches the runtime image —
 * the builder's tag (which covers the lock), the runtime Dockerfile, the helper files, plugins and DAGs, the base
 * image and platform. Readable and content-addressed.
 */
export function contentTag(inputs: ImageInputs, builder: string, files: readonly ContentEntry[]): string {
  const digest = sha256(
    JSON.stringify({
      format: IMAGE_FORMAT,
      base: inputs.baseImage,
      platform: inputs.platform,
      builder,
      dockerfile: sha256(renderRuntimeDockerfile(inputs)),
      files: sortedEntries(files),
    }),
  );
  return `${inputs.airflowVersion}-py${inputs.python}-${digest.slice(0, 12)}`;
}

/** Build arguments passed on the command line. */
export function buildArgs(inputs: ImageInputs, builderRef: string, tag: string, revision: string | undefined): Record<string, string> {
  return { BASE_IMAGE: inputs.baseImage, BUILDER_IMAGE: builderRef, SOURCE_REVISION: revision ?? 'unknown', IMAGE_VERSION: tag };
}

/** Docker reference validation: `repo[:tag]` with a lowercase repository path. */
export function localImageRef(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}
