/**
 * A one-module pure-Python wheel written on the spot, and a hashed lock naming it by path: `pip install
 * --require-hashes --no-deps -r` installs it in a second with no index and no network, so virtualenv builds can be
 * tested for real without installing Airflow.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The module the wheel installs, and the value `import tinypkg; print(tinypkg.VALUE)` prints. */
export const TINY_MODULE = 'tinypkg';
export const TINY_VALUE = '42';

// A wheel is a zip with the module and a .dist-info (METADATA, WHEEL, RECORD); Python's zipfile writes it.
const WRITE_WHEEL = `
import sys, zipfile
files = {
    "tinypkg/__init__.py": "VALUE = 42\\n",
    "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 1.0\\n",
    "tinypkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: airflow-aws-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files["tinypkg-1.0.dist-info/RECORD"] = "".join(name + ",,\\n" for name in files) + "tinypkg-1.0.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in files.items():
        z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
`;

/**
 * Writes the wheel into `dir` and a lock file beside it; `hash` overrides the recorded sha256 (a wrong one makes
 * pip refuse the install). Returns the lock file's path.
 */
export async function writeTinyLock(dir: string, opts: { hash?: string } = {}): Promise<string> {
  const wheel = path.join(dir, 'tinypkg-1.0-py3-none-any.whl');
  const r = spawnSync('python3', ['-c', WRITE_WHEEL, wheel], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`writing the test wheel failed: ${r.stderr}`);
  const hash = opts.hash ?? createHash('sha256').update(await readFile(wheel)).digest('hex');
  const lockFile = path.join(dir, 'tiny.lock');
  await writeFile(lockFile, `${wheel} --hash=sha256:${hash}\n`);
  return lockFile;
}
