import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, problemsOf } from './support.js';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { networkAddress } from '../../../src/config/rules.js';


const BASE = 'name: demo\nregion: eu-west-1\n';
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const exposure = (lines: string) => `${BASE}exposure:\n${lines.replace(/^/gm, '  ')}\n`;

describe('exposure config', () => {
  it('defaults to private with nothing else set', () => {
    const c = parse(BASE);
    assert.deepEqual({ ...c.exposure }, { mode: 'private', allowInsecureHttp: false, sourceCidrs: [] });
  });

  const accepted: readonly [string, string, Record<string, unknown>][] = [
    [
      'public with TLS',
      `mode: public\ncertificateArn: ${CERT}\nhostname: airflow.example.com\nsourceCidrs: [203.0.113.0/24, 198.51.100.7/32]`,
      { mode: 'public', certificateArn: CERT, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
    ],
    ['internal with TLS', `mode: internal\ncertificateArn: ${CERT}\nhostname: airflow.corp.internal\nsourceCidrs: [10.0.0.0/8]`, { mode: 'internal' }],
    ['public without TLS when explicitly allowed', 'mode: public\nallowInsecureHttp: true\nsourceCidrs: [0.0.0.0/0]', { allowInsecureHttp: true }],
    ['internal without TLS when explicitly allowed', 'mode: internal\nallowInsecureHttp: true\nsourceCidrs: [10.0.0.0/16]', { mode: 'internal' }],
    ['a GovCloud certificate in its region', `mode: public\ncertificateArn: ${CERT.replace('aws:acm:eu-west-1', 'aws-us-gov:acm:us-gov-west-1')}\nhostname: a.example.com\nsourceCidrs: [0.0.0.0/0]`, {}],
  ];
  for (const [name, yaml, expected] of accepted) {
    it(`accepts ${name}`, () => {
      const text = name.includes('GovCloud') ? exposure(yaml).replace('region: eu-west-1', 'region: us-gov-west-1') : exposure(yaml);
      const e = parse(text).exposure as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(e[k], v, k);
    });
  }

  // The received value as the problem shows it (long values are shortened to 60 characters).
  const rejected: readonly [string, string, string, RegExp, string | RegExp][] = [
    ['public without TLS', 'mode: public\nsourceCidrs: [0.0.0.0/0]', 'exposure.certificateArn', /required with exposure\.mode "public"/, 'nothing'],
    ['internal without TLS', 'mode: internal\nsourceCidrs: [10.0.0.0/8]', 'exposure.certificateArn', /required with exposure\.mode "internal"/, 'nothing'],
    ['an unknown mode', 'mode: open', 'exposure.mode', /private|internal|public/, '"open"'],
    ['a certificate ARN of another service', `mode: public\ncertificateArn: arn:aws:iam::123456789012:server-certificate/x\nhostname: a.example.com\nsourceCidrs: [0.0.0.0/0]`, 'exposure.certificateArn', /ACM certificate ARN/, '"arn:aws:iam::123456789012:server-certificate/x"'],
    ['a truncated certificate id', `mode: public\ncertificateArn: ${CERT.slice(0, -4)}\nhostname: a.example.com\nsourceCidrs: [0.0.0.0/0]`, 'exposure.certificateArn', /ACM certificate ARN/, /^"arn:aws:acm:eu-west-1:123456789012:certificate\/0a1b2c3d-\.\.\.$/],
    ['a certificate from another region', `mode: public\ncertificateArn: ${CERT.replace('eu-west-1', 'us-east-1')}\nhostname: a.example.com\nsourceCidrs: [0.0.0.0/0]`, 'exposure.certificateArn', /region eu-west-1/, `"${CERT.replace('eu-west-1', 'us-east-1')}"`],
    ['a certificate without a host name', `mode: public\ncertificateArn: ${CERT}\nsourceCidrs: [0.0.0.0/0]`, 'exposure.hostname', /required with a certificate/, 'nothing'],
    ['a host name with a scheme', `mode: public\ncertificateArn: ${CERT}\nhostname: https://a.example.com\nsourceCidrs: [0.0.0.0/0]`, 'exposure.hostname', /DNS name/, '"https://a.example.com"'],
    ['no source CIDRs', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com`, 'exposure.sourceCidrs', /required with exposure\.mode "public"/, 'nothing'],
    ['an empty source CIDR list', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: []`, 'exposure.sourceCidrs', /too small|at least|>=/i, 'a list of 0'],
    ['a source CIDR that is no CIDR', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: [203.0.113.0]`, 'exposure.sourceCidrs[0]', /IPv4 CIDR/, '"203.0.113.0"'],
    ['a source CIDR with an octet above 255', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: [10.0.0.0/8, 300.1.0.0/16]`, 'exposure.sourceCidrs[1]', /above 255/, '"300.1.0.0/16"'],
    ['a source CIDR with host bits', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: [203.0.113.9/24]`, 'exposure.sourceCidrs[0]', /host bits.*/, '"203.0.113.9/24"'],
    ['a certificate on a private UI', `certificateArn: ${CERT}`, 'exposure.certificateArn', /no effect with exposure\.mode "private"/, `"${CERT}"`],
    ['source CIDRs on a private UI', 'mode: private\nsourceCidrs: [10.0.0.0/8]', 'exposure.sourceCidrs', /no effect/, '10.0.0.0/8'],
    ['a certificate plus allowInsecureHttp', `mode: public\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: [0.0.0.0/0]\nallowInsecureHttp: true`, 'exposure.allowInsecureHttp', /no effect with a certificate/, 'true'],
  ];
  for (const [name, yaml, path, message, received] of rejected) {
    it(`rejects ${name} at ${path}, naming the value`, () => {
      const problems = problemsOf(exposure(yaml));
      const p = problems.find((x) => x.path === path);
      assert.ok(p, `no problem at ${path}: ${JSON.stringify(problems)}`);
      assert.match(p.message, message);
      if (typeof received === 'string') assert.equal(p.received, received);
      else assert.match(p.received ?? '', received);
    });
  }

  it('suggests the network address for a CIDR with host bits', () => {
    const p = problemsOf(exposure(`mode: internal\ncertificateArn: ${CERT}\nhostname: a.example.com\nsourceCidrs: [10.1.2.3/16]`)).find((x) => x.path === 'exposure.sourceCidrs[0]');
    assert.equal(p?.hint, 'did you mean 10.1.0.0/16?');
  });

  const networks: readonly [string, string][] = [
    ['10.1.2.3/16', '10.1.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['203.0.113.7/32', '203.0.113.7/32'],
    ['255.255.255.255/1', '128.0.0.0/1'],
    ['192.168.1.129/25', '192.168.1.128/25'],
  ];
  for (const [cidr, expected] of networks) it(`clears the host bits of ${cidr}`, () => assert.equal(networkAddress(cidr), expected));

  it('documents exposure in the JSON Schema, strict, with private as the default', () => {
    const s = configJsonSchema() as { properties: Record<string, { additionalProperties?: boolean; properties?: Record<string, { default?: unknown; enum?: unknown }> }> };
    const e = s.properties['exposure']!;
    assert.equal(e.additionalProperties, false);
    assert.equal(e.properties!['mode']!.default, 'private');
    assert.deepEqual(e.properties!['mode']!.enum, ['private', 'internal', 'public']);
    assert.equal(e.properties!['allowInsecureHttp']!.default, false);
  });
});
