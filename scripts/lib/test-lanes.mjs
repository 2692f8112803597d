// How one run's test files are split into lanes that run side by side, each lane one file at a time.
// Pure (files and groups in, lanes out) so it is unit-tested: test/unit/tooling/test-lanes.test.ts.
//
// Why groups: a file may only overlap files it cannot disturb. The real peers that exist once per machine get a group
// with a single lane, so no two of their files ever overlap; files that may overlap each other share a group with
// more lanes. Why five lanes on two cores: one file rarely keeps both cores busy (it waits on probes, a scheduler
// loop, a task's sleep); with five the cores were busy for nearly the whole run, and a sixth slowed every file down
// more than it gained (measured in CI-like runs: 23 min with five, 27 min with six). Since the e2e files share their
// Airflows a warm run takes 15 min, and the rest group's one lane ends last (~850 s, the others ~650 s): the place
// to look next.

/**
 * @typedef {object} LaneGroup
 * @property {string} name
 * @property {string} why         what its files share, so that adding a file to it is a decision
 * @property {RegExp[]} match     matched against the file's path with '/' separators; [] = every file no group took
 * @property {number} lanes       files of the group running at once
 */

/** @type {readonly LaneGroup[]} */
export const GROUPS = [
  {
    name: 'kubelet',
    why: 'the one kubelet node of the machine (its bridge, containerd, 10.96.0.0/12) and the Pod Identity agent address 169.254.170.23:80',
    match: [/\/e2e\/k8s\//, /\/integ\/k8s\/pod-identity\.test\.js$/],
    lanes: 1,
  },
  {
    name: 'docker',
    why: 'image builds in the one Docker engine (two at once only compete for the same layers and cores)',
    match: [/\/e2e\/dev\/docker\.test\.js$/, /\/integ\/image\//],
    lanes: 1,
  },
  {
    name: 'airflow',
    why: 'real Airflow from the shared dev virtualenvs (built under a lock), each file on its own ports and directories',
    match: [/\/e2e\/dev\//, /\/e2e\/dags\//, /\/integ\/dev\/abandoned-transaction\.test\.js$/],
    lanes: 2,
  },
  {
    name: 'rest',
    why: 'unit tests, and peers each file starts on ports of its own: moto, kube-apiservers with kwok nodes, validators',
    match: [],
    // One lane: with a second one the machine ran six files at once, and everything slowed down more than the
    // extra lane gained (a CI-like run took 27 min instead of 23; the real node's api-servers never started).
    lanes: 1,
  },
];

/**
 * Files that must run after another one, in its lane: they reuse what it leaves behind (a virtualenv it builds).
 * [dependent, dependency], both as path suffixes.
 * @type {readonly (readonly [string, string])[]}
 */
export const AFTER = [
  ['/e2e/dev/proxy-headers.test.js', '/e2e/dev/native.test.js'],
  ['/e2e/dev/sso-proxy.test.js', '/e2e/dev/native-sso.test.js'],
];

const slash = (f) => f.split('\\').join('/');

/** The group of a file: the first whose patterns match, else the catch-all (match: []). */
export function groupOf(file, groups = GROUPS) {
  const f = slash(file);
  return groups.find((g) => g.match.some((re) => re.test(f))) ?? groups.find((g) => g.match.length === 0);
}

/**
 * Lanes for a run: each group's files, in path order, go round its lanes (a lane with fewer files first), so a
 * group's lanes end close together. A dependent (AFTER) follows its dependency in that lane; alone, it runs where it
 * falls. Returns the non-empty lanes, each { group, files }.
 * Path order, not longest first: ordered by the last run's durations, every heavy file (the node's deploy, Docker
 * dev, two real Airflows, kube-apiservers) started in the same minute, the two cores thrashed, and CI-like runs took
 * 27-29 min instead of 23.
 * @param {readonly string[]} files
 */
export function planLanes(files, groups = GROUPS, after = AFTER) {
  const dependencyOf = (f) => after.find(([dep]) => slash(f).endsWith(dep))?.[1];
  const present = (suffix) => files.find((f) => slash(f).endsWith(suffix));
  const lanes = [];
  for (const group of groups) {
    const mine = files.filter((f) => groupOf(f, groups) === group);
    const placedLater = mine.filter((f) => dependencyOf(f) && present(dependencyOf(f)));
    const own = Array.from({ length: Math.max(1, group.lanes) }, () => ({ group: group.name, files: [] }));
    for (const f of mine.filter((x) => !placedLater.includes(x)).sort((a, b) => a.localeCompare(b))) {
      own.reduce((best, l) => (l.files.length < best.files.length ? l : best)).files.push(f);
    }
    for (const f of placedLater.sort()) {
      const dependency = present(dependencyOf(f));
      const lane = own.find((l) => l.files.includes(dependency)) ?? lanes.find((l) => l.files.includes(dependency));
      lane.files.splice(lane.files.indexOf(dependency) + 1, 0, f);
    }
    lanes.push(...own);
  }
  return lanes.filter((l) => l.files.length > 0);
}
