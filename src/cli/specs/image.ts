import type { Command } from 'commander';
import { examples, type Runner } from '../program.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerImageCommands(program: Command, run: Runner): void {
  const image = program
    .command('image')
    .description('the Airflow image: lock dependencies, build, push to ECR')
    .addHelpText('after', examples('airflow-aws image lock', 'airflow-aws image build', 'airflow-aws image push'));

  image
    .command('lock')
    .description('resolve Airflow, its providers and requirements.txt into the hashed lock file (needs PyPI)')
    .option('--platform <platform>', 'target platform: linux/amd64 or linux/arm64 (default: image.platform)')
    .option('--check', 'only report whether the lock matches the config and requirements (exit 1 when stale)', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', examples('airflow-aws image lock', 'airflow-aws image lock --check', 'airflow-aws image lock --platform linux/arm64'))
    .action(async (o: { platform?: string; check: boolean; json: boolean }) =>
      run(o.json, async (ctx) => (await import('../commands/image-lock.js')).imageLockCommand(ctx, o)),
    );

  image
    .command('wheelhouse')
    .description('download every locked wheel for the image platform into a folder, for builds without network')
    .requiredOption('--out <dir>', 'wheelhouse directory (created; existing files are reused after a hash check)')
    .addHelpText('after', examples('airflow-aws image wheelhouse --out ~/.cache/airflow-aws/wheels', 'airflow-aws image build --wheelhouse ~/.cache/airflow-aws/wheels'))
    .action(async (o: { out: string }) => run(false, async (ctx) => (await import('../commands/image-wheelhouse.js')).imageWheelhouseCommand(ctx, o)));

  image
    .command('build')
    .description('render the Dockerfile from the config and lock and build the image (tag = content hash)')
    .option('--wheelhouse <dir>', 'install from this folder of wheels: no network inside the build')
    .option('--ca-bundle <file>', 'extra CA certificates (PEM) for pip in the builder stage only, e.g. a TLS-intercepting proxy')
    .option('--base-image <image>', 'runtime base image (default: image.baseImage); it must provide python3 of airflow.python')
    .option('--tag <tag>', 'extra tag (repeatable); the content-hash tag is always set', collect, [])
    .option('--force', 'build even when an image with the same content tag exists', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      examples(
        'airflow-aws image build',
        'airflow-aws image build --wheelhouse wheels/ --base-image registry.example.com/python:3.12-slim-bookworm',
        'airflow-aws image build --ca-bundle /etc/ssl/certs/ca-certificates.crt',
      ),
    )
    .action(async (o: { wheelhouse?: string; caBundle?: string; baseImage?: string; tag: string[]; force: boolean; json: boolean }) =>
      run(o.json, async (ctx) => (await import('../commands/image-build.js')).imageBuildCommand(ctx, o)),
    );

  image
    .command('push')
    .description('log in to ECR with the AWS SDK, push the built image, print its digest (skips a tag already there)')
    .option('--registry <host>', 'push to this registry host instead of the ECR registry of the account')
    .option('--base-image <image>', 'the --base-image the image was built with')
    .option('--tag <tag>', 'push this local tag instead of the content-hash tag')
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', examples('airflow-aws image push', 'airflow-aws image push --json | jq -r .digest'))
    .action(async (o: { registry?: string; baseImage?: string; tag?: string; json: boolean }) =>
      run(o.json, async (ctx) => (await import('../commands/image-push.js')).imagePushCommand(ctx, o)),
    );
}
