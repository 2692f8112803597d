import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { completeSecrets, fernetKey, generateSecrets } from '../../../src/k8s/secrets.js';
import { counterRandom } from './fixtures.js';

describe('shared secrets', () => {
  it('makes a Fernet key: url-safe base64 of 32 bytes with padding (44 characters)', () => {
    for (let i = 0; i < 50; i++) {
      const k = fernetKey(randomBytes);
      assert.equal(k.length, 44);
      assert.ok(k.endsWith('='));
      assert.match(k, /^[A-Za-z0-9_-]{43}=$/);
      assert.equal(Buffer.from(k.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length, 32);
    }
  });

  it('is a pure function of the random source', () => {
    assert.deepEqual(generateSecrets(counterRandom(7)), generateSecrets(counterRandom(7)));
    assert.notDeepEqual(generateSecrets(counterRandom(7)), generateSecrets(counterRandom(8)));
  });

  it('reuses every value read back from the cluster and generates nothing', () => {
    const first = generateSecrets(counterRandom(1));
    const existing = {
      'fernet-key': first.fernetKey,
      'api-secret-key': first.apiSecretKey,
      'jwt-secret': first.jwtSecret,
      'admin-password': first.adminPassword,
      'database-password': first.databasePassword,
    };
    const again = completeSecrets(existing, counterRandom(99));
    assert.deepEqual(again.values, first);
    assert.deepEqual(again.generated, []);
  });

  it('generates only the keys missing from the existing Secret', () => {
    const r = completeSecrets({ 'fernet-key': 'kept', 'jwt-secret': '' }, counterRandom(3));
    assert.equal(r.values.fernetKey, 'kept');
    assert.deepEqual(r.generated, ['apiSecretKey', 'jwtSecret', 'adminPassword', 'databasePassword']);
  });

  it('generates everything on the first deploy', () => {
    assert.equal(completeSecrets(undefined, randomBytes).generated.length, 5);
  });
});
