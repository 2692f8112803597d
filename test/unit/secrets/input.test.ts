import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusal as refuse } from '../../support/refusal.js';
import {
  parseConnectionInput,
  SECRET_VALUE_MAX_BYTES,
  validateSecretId,
  validateValueSize,
  validateVariableValue,
  valueFromText,
} from '../../../src/secrets/input.js';

const SECRET = 'Sup3r$ecret';

const refusal = (fn: () => unknown) => refuse(fn, 'SECRET_INPUT_INVALID');

describe('connection input: accepted', () => {
  const table: [string, string, 'uri' | 'json', string][] = [
    ['a postgres URI', `postgres://etl:${SECRET}@db.internal:5432/warehouse`, 'uri', 'postgres'],
    ['a URI with a trailing newline (echo)', `mysql://u:p@h/db\n`, 'uri', 'mysql'],
    ['a URI without host (aws)', 'aws://', 'uri', 'aws'],
    ['a dashed scheme, read as Airflow does', 'google-cloud-platform://?key_path=%2Fk.json', 'uri', 'google_cloud_platform'],
    ['a URI with a percent-encoded password', 'postgres://u:p%40ss%2Fw@h:5432/d', 'uri', 'postgres'],
    ['a URI with JSON __extra__', 'http://h?__extra__=%7B%22a%22%3A1%7D', 'uri', 'http'],
    ['the JSON form', JSON.stringify({ conn_type: 'postgres', host: 'db', login: 'u', password: SECRET, schema: 'w', port: 5432 }), 'json', 'postgres'],
    ['JSON with extra as an object', '{"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}', 'json', 'aws'],
    ['JSON with extra as a JSON string', '{"conn_type": "aws", "extra": "{\\"region_name\\": \\"eu-west-1\\"}"}', 'json', 'aws'],
    ['JSON with null fields', '{"conn_type": "http", "host": null, "port": null}', 'json', 'http'],
  ];
  for (const [name, input, form, connType] of table) {
    it(`accepts ${name}`, () => {
      const c = parseConnectionInput(input);
      assert.equal(c.form, form);
      assert.equal(c.connType, connType);
      assert.equal(c.text, input.trim());
    });
  }
});

describe('connection input: refused with exit 2, without echoing the value', () => {
  const table: [string, string, RegExp][] = [
    ['empty input', '', /connection is empty/],
    ['only whitespace', ' \n\t', /connection is empty/],
    ['neither a URI nor JSON', `just-a-${SECRET}`, /neither a URI .* nor a JSON object/],
    ['a URI without "//"', `postgres:u:${SECRET}@h`, /neither a URI/],
    ['a URI with a space', `postgres://u:${SECRET} x@h/db`, /contains whitespace or a line break/],
    ['a URI over two lines', `postgres://u:${SECRET}@h\n/db`, /contains whitespace or a line break/],
    ['a port out of range', `postgres://u:${SECRET}@h:70000/db`, /cannot be parsed/],
    ['a malformed percent-escape', `postgres://u:${SECRET}%zz@h/db`, /malformed percent-escape|cannot be parsed/],
    ['__extra__ that is not JSON', `http://u:${SECRET}@h?__extra__=nope`, /__extra__ query parameter .* is not JSON/],
    ['broken JSON', `{"conn_type": "postgres", "password": ${SECRET}}`, /not valid JSON/],
    ['a JSON array', `["${SECRET}"]`, /JSON but not an object/],
    ['a JSON string', `"${SECRET}"`, /JSON but not an object/],
    ['JSON without conn_type', `{"host": "h", "password": "${SECRET}"}`, /has no "conn_type"/],
    ['JSON with an empty conn_type', `{"conn_type": "", "password": "${SECRET}"}`, /"conn_type" must be a connection type/],
    ['JSON with a key the backend drops', `{"conn_type": "postgres", "description": "d", "password": "${SECRET}"}`, /does not read: "description"/],
    ['JSON with an aliased key', `{"conn_type": "postgres", "user": "u", "password": "${SECRET}"}`, /does not read: "user"/],
    ['JSON with a numeric password', '{"conn_type": "postgres", "password": 12345}', /"password" must be a string, got a number/],
    ['JSON with a port as text', `{"conn_type": "postgres", "port": "5432", "password": "${SECRET}"}`, /"port" must be a whole number 1-65535, got "5432"/],
    ['JSON with port 0', '{"conn_type": "postgres", "port": 0}', /"port" must be a whole number 1-65535, got 0/],
    ['JSON with extra as an array', `{"conn_type": "aws", "extra": ["${SECRET}"]}`, /"extra" must be an object .* got an array/],
    ['JSON with extra as a non-JSON string', `{"conn_type": "aws", "extra": "${SECRET}"}`, /"extra" must be an object .* got a string/],
  ];
  for (const [name, input, message] of table) {
    it(`refuses ${name}`, () => {
      const e = refusal(() => parseConnectionInput(input));
      assert.match(e.message, message);
      assert.ok(e.hint, 'says what to give instead');
      assert.ok(!`${e.message} ${e.hint} ${e.details.join(' ')}`.includes(SECRET), 'the value is not echoed');
    });
  }
});

describe('connection ids and variable keys', () => {
  const prefix = 'airflow-aws/demo/connections';
  const ok = ['warehouse', 'aws_default', 'my-db.v2', 'a@b+c=d'];
  const bad: [string, string][] = [
    ['', 'empty'],
    ['a/b', 'a "/" (the backend separator)'],
    ['has space', 'a space'],
    ['ümlaut', 'a non-ASCII letter'],
    ['x'.repeat(512 - prefix.length), 'a name past 512 characters with the prefix'],
  ];
  for (const id of ok) it(`accepts ${JSON.stringify(id)}`, () => validateSecretId('connection id', id, prefix));
  for (const [id, why] of bad) {
    it(`refuses ${why}`, () => {
      const e = refusal(() => validateSecretId('connection id', id, prefix));
      assert.match(e.message, /^connection id "/);
    });
  }
});

describe('values', () => {
  const trimmed: [string, string][] = [
    ['tok\n', 'tok'],
    ['tok\r\n', 'tok'],
    ['tok\n\n', 'tok\n'],
    ['  spaced  ', '  spaced  '],
    ['line1\nline2', 'line1\nline2'],
  ];
  for (const [raw, value] of trimmed) it(`reads ${JSON.stringify(raw)} as ${JSON.stringify(value)}`, () => assert.equal(valueFromText(raw), value));

  it('refuses an empty variable', () => assert.match(refusal(() => validateVariableValue('')).message, /variable value is empty/));
  it('accepts a value of exactly the Secrets Manager limit and refuses one byte more', () => {
    validateValueSize('a'.repeat(SECRET_VALUE_MAX_BYTES));
    assert.match(refusal(() => validateValueSize(`${'a'.repeat(SECRET_VALUE_MAX_BYTES - 1)}é`)).message, /65537 bytes/);
  });
});
