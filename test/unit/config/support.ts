/** Parsing a config text as the CLI does, for the config tests. */
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/problems.js';

export const parse = (text: string) => parseConfig(text, 'test.yaml', '/project');

/** The problems of a config the pipeline must reject; fails the test when it is accepted. */
export const problemsOf = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected the config to be rejected');
};
