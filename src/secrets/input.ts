/**
 * Validation of what `airflow-aws secrets set-*` stores, before anything reaches AWS: a connection must be
 * something Airflow's Secrets Manager backend can turn into a Connection, and names must be ones the backend can
 * look up. Pure. Error messages never contain the value (it is a secret): they say which part is wrong and why.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/howto/connection.html#connection-uri-format
 * @see https://airflow.apache.org/docs/apache-airflow/stable/howto/connection.html#json-format-example
 */
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

/** What `set-connection` stores: the text as given (trimmed), and which of Airflow's two forms it is. */
export interface ConnectionInput {
  readonly form: 'uri' | 'json';
  /** Airflow's conn_type: the URI scheme with "-" read as "_" (as Airflow does), or the JSON's conn_type. */
  readonly connType: string;
  readonly text: string;
}

/**
 * Keys of Airflow's JSON connection form that the Secrets Manager backend passes on. It keeps only these (and
 * aliases), so anything else — `description` included — would be dropped without a word; we refuse it instead.
 */
export const CONNECTION_JSON_KEYS = ['conn_type', 'host', 'login', 'password', 'schema', 'port', 'extra'] as const;

const STRING_KEYS = ['host', 'login', 'password', 'schema'] as const;

function badInput(message: string, hint: string): UserError {
  return new UserError(message, { code: 'SECRET_INPUT_INVALID', exitCode: EXIT_BAD_INPUT, hint });
}

const URI_HINT = 'give a URI such as postgres://user:pass@host:5432/db (percent-encode special characters) or a JSON object such as {"conn_type": "postgres", "host": "db", "login": "u", "password": "p"}';
const JSON_HINT = `give a JSON object with "conn_type" and any of ${CONNECTION_JSON_KEYS.filter((k) => k !== 'conn_type').join(', ')}`;

/**
 * The value as read from stdin or a file: one trailing newline (what `echo` and editors add) is not part of it.
 * Everything else is kept, so a multi-line variable stays multi-line.
 */
export function valueFromText(raw: string): string {
  return raw.replace(/\r?\n$/, '');
}

/** A connection given as a URI or as Airflow's JSON form; throws a UserError (exit 2) naming what is wrong. */
export function parseConnectionInput(raw: string): ConnectionInput {
  const text = raw.trim();
  if (text === '') throw badInput('the connection is empty: nothing came on stdin or from --file', URI_HINT);
  if (text.startsWith('{')) return parseJsonConnection(text);
  if (text.startsWith('[') || text.startsWith('"')) throw badInput('the connection is JSON but not an object', JSON_HINT);
  return parseUriConnection(text);
}

function parseUriConnection(text: string): ConnectionInput {
  // The scheme alone is safe to show: it never carries credentials.
  const scheme = /^([A-Za-z][A-Za-z0-9+.\-_]*):\/\//.exec(text)?.[1];
  if (!scheme) throw badInput('the connection is neither a URI (conn-type://...) nor a JSON object', URI_HINT);
  if (/\s/.test(text)) throw badInput(`the ${scheme}:// connection URI contains whitespace or a line break`, 'percent-encode spaces (%20) and give the URI on one line');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput(`the ${scheme}:// connection URI cannot be parsed (an invalid host or a port outside 0-65535?)`, URI_HINT);
  }
  for (const [part, v] of [['login', url.username], ['password', url.password], ['path (schema)', url.pathname]] as const) {
    try {
      decodeURIComponent(v);
    } catch {
      throw badInput(`the ${part} of the ${scheme}:// connection URI has a malformed percent-escape`, 'encode "%" itself as %25');
    }
  }
  if (url.search) {
    // Airflow reads the query as extras; `__extra__` must then be JSON.
    const extra = url.searchParams.get('__extra__');
    if (extra !== null) {
      try {
        JSON.parse(extra);
      } catch {
        throw badInput(`the __extra__ query parameter of the ${scheme}:// connection URI is not JSON`, 'percent-encode a JSON object, e.g. __extra__=%7B%22region_name%22%3A%22eu-west-1%22%7D');
      }
    }
  }
  return { form: 'uri', connType: scheme.toLowerCase().replace(/-/g, '_'), text };
}

function parseJsonConnection(text: string): ConnectionInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // Node's message quotes the text around the error (a secret, maybe): only the position is shown.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw badInput(`the connection is not valid JSON${at ? ` (error at character ${at})` : ''}`, JSON_HINT);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badInput('the connection is JSON but not an object', JSON_HINT);
  const o = parsed as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(CONNECTION_JSON_KEYS as readonly string[]).includes(k));
  if (unknown.length) {
    throw badInput(
      `the connection JSON has ${unknown.length === 1 ? 'a key' : 'keys'} Airflow's Secrets Manager backend does not read: ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      `use only ${CONNECTION_JSON_KEYS.join(', ')} (put provider settings under "extra")`,
    );
  }
  const connType = o['conn_type'];
  if (typeof connType !== 'string' || !/^[A-Za-z][A-Za-z0-9_.\-]*$/.test(connType)) {
    throw badInput(
      connType === undefined ? 'the connection JSON has no "conn_type"' : 'the connection JSON\'s "conn_type" must be a connection type such as "postgres" or "aws"',
      JSON_HINT,
    );
  }
  for (const k of STRING_KEYS) {
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') throw badInput(`the connection JSON's "${k}" must be a string, got ${typeName(o[k])}`, JSON_HINT);
  }
  const port = o['port'];
  if (port !== undefined && port !== null && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    // The port is not secret: show it.
    throw badInput(`the connection JSON's "port" must be a whole number 1-65535, got ${JSON.stringify(port)}`, JSON_HINT);
  }
  const extra = o['extra'];
  if (extra !== undefined && extra !== null) {
    let ok = typeof extra === 'object' && !Array.isArray(extra);
    if (typeof extra === 'string') {
      // Airflow also accepts extra as a JSON string of an object.
      try {
        const inner: unknown = JSON.parse(extra);
        ok = typeof inner === 'object' && inner !== null && !Array.isArray(inner);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw badInput(`the connection JSON's "extra" must be an object (or a string holding a JSON object), got ${typeName(extra)}`, JSON_HINT);
  }
  return { form: 'json', connType, text };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Longest secret name Secrets Manager accepts. */
const SECRET_NAME_MAX = 512;

/**
 * A connection id or variable key as part of a secret name: Secrets Manager's name characters, without "/" (the
 * backend's separator — an id with one would read as a deeper path).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-Name
 */
export function validateSecretId(what: 'connection id' | 'variable key', id: string, prefix: string): void {
  if (!/^[A-Za-z0-9_.@+=-]+$/.test(id)) {
    throw badInput(`${what} ${JSON.stringify(id)} has characters a Secrets Manager name cannot hold`, 'use letters, digits and _ . @ + = - (no "/" and no spaces)');
  }
  if (prefix.length + 1 + id.length > SECRET_NAME_MAX) {
    throw badInput(`${what} ${JSON.stringify(id)} is too long: with the prefix ${prefix}/ the name exceeds ${SECRET_NAME_MAX} characters`, 'pick a shorter name');
  }
}

/** A variable's value: any text but the empty one (Secrets Manager refuses an empty SecretString). */
export function validateVariableValue(value: string): void {
  if (value === '') throw badInput('the variable value is empty: nothing came on stdin or from --file', 'pipe the value on stdin (printf %s "$VALUE" | airflow-aws secrets set-variable NAME) or give --file');
}

/** Largest SecretString Secrets Manager stores, in bytes. */
export const SECRET_VALUE_MAX_BYTES = 65_536;

/** Refuses a value Secrets Manager would refuse for its size, before the call. */
export function validateValueSize(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    throw badInput(`the value is ${bytes} bytes; Secrets Manager stores at most ${SECRET_VALUE_MAX_BYTES}`, 'store large data elsewhere (S3) and keep only its location in the secret');
  }
}
