import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAuthorizationToken } from '../../../src/adapters/aws/ecr.js';
import { failingStepTail } from '../../../src/adapters/docker/docker-cli.js';
import { formatArgv, redactText } from '../../../src/adapters/proc/run-process.js';
import { renderImageArtifacts } from '../../../src/image/artifacts.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';

describe('process helper', () => {
  it('redacts every occurrence of a secret and ignores strings too short to be one', () => {
    assert.equal(redactText('login pw=hunter22 again hunter22', ['hunter22', 'ab']), 'login pw=*** again ***');
  });
  it('formats argv for logs with shell quoting', () => {
    assert.equal(formatArgv(['docker', 'build', '--label', 'a b']), "docker build --label 'a b'");
  });
});

describe('ECR token', () => {
  it('splits "AWS:<password>" at the first colon only', () => {
    const token = Buffer.from('AWS:pa:ss:word').toString('base64');
    assert.deepEqual(decodeAuthorizationToken(token), { username: 'AWS', password: 'pa:ss:word' });
  });
});

describe('failed build output', () => {
  it('keeps the lines from the last legacy-builder step header on', () => {
    const tail = ['Step 4/9 : COPY a b', ' ---> abc', 'Step 5/9 : RUN python3 -m venv /opt/venv', '/bin/sh: 1: python3: not found', 'The command returned a non-zero code: 127'];
    assert.deepEqual(failingStepTail(tail), tail.slice(2));
  });
  it('caps a long failing step to its header and last lines', () => {
    const tail = ['Step 2/2 : RUN x', ...Array.from({ length: 50 }, (_, i) => `line ${i}`)];
    const out = failingStepTail(tail, 10);
    assert.equal(out.length, 10);
    assert.equal(out[0], 'Step 2/2 : RUN x');
    assert.equal(out.at(-1), 'line 49');
  });
});

describe('synth image artifacts', () => {
  it('writes image/Dockerfile.builder, image/Dockerfile and the helper files under image/docker/', () => {
    const config = {
      name: 'demo',
      airflow: { version: '3.3.2', python: '3.12', auth: 'fab', executor: 'KubernetesExecutor' },
      image: { baseImage: 'python:3.12-slim-bookworm', platform: 'linux/amd64' },
    } as unknown as ResolvedConfig;
    const files = renderImageArtifacts(config, [{ path: 'docker/entrypoint.sh', content: '#!/usr/bin/env bash\n' }]);
    assert.deepEqual(files.map((f) => f.path), ['image/Dockerfile.builder', 'image/Dockerfile', 'image/docker/entrypoint.sh']);
    for (const f of files.slice(0, 2)) assert.match(f.content, /^ARG BASE_IMAGE=python:3\.12-slim-bookworm$/m);
    assert.match(files[1]!.content, /^FROM \$\{BUILDER_IMAGE\} AS builder$/m);
  });
});
