/**
 * One-shot Jobs, in the order the engine runs them: database bootstrap -> `airflow db migrate` -> admin user.
 * A Job's pod template is immutable, so each Job's name carries a hash of its spec: an unchanged Job re-applies
 * as a no-op (and is not re-run), a changed one (new image, new version) is a new Job; the engine prunes the old
 * one after the new one completed. Migrations never run in a component's start-up.
 */
import type { V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import { ADMIN_USERNAME, airflowDbName, airflowDbUser, secretEnvironment, usesFab } from './airflow-config.js';
import { deploymentName, NAMES, objectLabels, SECRET_KEYS, type KubeComponent } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';
import { baseContainer, entrypointArgs, podSecurityContext, resources, SCRATCH_VOLUMES } from './pod.js';
import { JOBS_SERVICE_ACCOUNT } from './rbac.js';
import { checksum } from './secrets.js';

const ADMIN_PASSWORD_DIR = '/run/secrets/airflow-admin';

export type JobComponent = Extract<KubeComponent, 'db-bootstrap' | 'migrate' | 'create-admin'>;

/**
 * Creates the Airflow role and database idempotently, as the master user: the role's password is (re)set from
 * the Secret on every run, the database is created once and owned by the role. Values come from the environment,
 * never argv; statements use server-side identifier quoting and bound parameters. Uses psycopg2, which the image
 * has for Airflow itself.
 */
export const BOOTSTRAP_SCRIPT = `
import os, sys
import psycopg2
from psycopg2 import sql
e = os.environ
user, db = e["AIRFLOW_DB_USER"], e["AIRFLOW_DB_NAME"]
conn = psycopg2.connect(host=e["DB_HOST"], port=int(e["DB_PORT"]), user=e["DB_MASTER_USER"],
                        password=e["DB_MASTER_PASSWORD"], dbname=e.get("DB_MASTER_DATABASE", "postgres"),
                        sslmode=e["DB_SSLMODE"], connect_timeout=10)
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT current_user")
if cur.fetchone()[0] == user:
    sys.exit(f"refusing to bootstrap: the Airflow user {user} is the master user itself")
cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
verb = "ALTER" if cur.fetchone() else "CREATE"
cur.execute(sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(user)), (e["AIRFLOW_DB_PASSWORD"],))
print(f"role {user}: {'password synchronised' if verb == 'ALTER' else 'created'}")
# RDS masters are not superusers: membership lets them hand the database to the role.
cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(user)))
cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
if cur.fetchone():
    cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(db), sql.Identifier(user)))
    print(f"database {db}: exists, owner {user}")
else:
    cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(db), sql.Identifier(user)))
    print(f"database {db}: created, owner {user}")
conn.close()
`.trim();

function env(name: string, value: string): V1EnvVar {
  return { name, value };
}

function fromSecret(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function jobContainer(inputs: KubeInputs, component: JobComponent): V1Container {
  const base = baseContainer(component, inputs.image, resources('250m', '1Gi'));
  switch (component) {
    case 'db-bootstrap': {
      const db = inputs.database;
      const host = db.kind === 'external' ? db.host : `${NAMES.postgres}.${inputs.config.kubernetes.namespace}.svc.cluster.local`;
      return {
        ...base,
        args: ['python', '-c', BOOTSTRAP_SCRIPT],
        env: [
          env('DB_HOST', host),
          env('DB_PORT', String(db.kind === 'external' ? db.port : 5432)),
          env('DB_SSLMODE', db.kind === 'external' ? db.sslmode : 'disable'),
          env('AIRFLOW_DB_USER', airflowDbUser(inputs)),
          env('AIRFLOW_DB_NAME', airflowDbName(inputs)),
          fromSecret('DB_MASTER_USER', NAMES.databaseMaster, 'username'),
          fromSecret('DB_MASTER_PASSWORD', NAMES.databaseMaster, 'password'),
          fromSecret('AIRFLOW_DB_PASSWORD', NAMES.secrets, SECRET_KEYS.databasePassword),
        ],
      };
    }
    case 'migrate':
      return { ...base, args: entrypointArgs('migrate'), envFrom: [{ configMapRef: { name: NAMES.config } }], env: secretEnvironment(inputs, component) };
    case 'create-admin':
      // The image's create-admin reads the password from a file (a Secret volume): never from argv or env.
      return {
        ...base,
        args: entrypointArgs('create-admin'),
        envFrom: [{ configMapRef: { name: NAMES.config } }],
        env: [
          ...secretEnvironment(inputs, component),
          env('AIRFLOW_ADMIN_USERNAME', ADMIN_USERNAME),
          env('AIRFLOW_ADMIN_PASSWORD_FILE', `${ADMIN_PASSWORD_DIR}/password`),
        ],
        volumeMounts: [...(base.volumeMounts ?? []), { name: 'admin-password', mountPath: ADMIN_PASSWORD_DIR, readOnly: true }],
      };
  }
}

/** Seconds a Job may run before Kubernetes fails it (and the engine reports it). */
export const JOB_DEADLINE_SECONDS: Record<JobComponent, number> = { 'db-bootstrap': 300, migrate: 1800, 'create-admin': 300 };

export function job(inputs: KubeInputs, component: JobComponent): V1Job & KubeObject {
  const c = inputs.config;
  const podSpec = {
    serviceAccountName: JOBS_SERVICE_ACCOUNT,
    automountServiceAccountToken: false,
    restartPolicy: 'Never',
    securityContext: podSecurityContext(),
    containers: [jobContainer(inputs, component)],
    volumes: [
      ...SCRATCH_VOLUMES,
      ...(component === 'create-admin'
        ? [{ name: 'admin-password', secret: { secretName: NAMES.secrets, items: [{ key: SECRET_KEYS.adminPassword, path: 'password' }] } }]
        : []),
    ],
  };
  const template = { metadata: { labels: objectLabels(c, component) }, spec: podSpec };
  // The whole template, labels included: its version label changes with an Airflow upgrade even when the image
  // reference does not, and a changed template under the same name is refused ("field is immutable").
  const name = `${deploymentName(component)}-${checksum(template).slice(0, 10)}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: c.kubernetes.namespace, labels: objectLabels(c, component) },
    spec: {
      backoffLimit: component === 'migrate' ? 1 : 2,
      activeDeadlineSeconds: JOB_DEADLINE_SECONDS[component],
      template,
    },
  };
}

/**
 * Jobs of this configuration, in run order. No admin Job on SimpleAuthManager (its passwords file is pre-seeded), nor
 * with SSO unless auth.createAdminUser asks for it.
 */
export function jobComponents(inputs: Pick<KubeInputs, 'config'>): JobComponent[] {
  const admin = usesFab(inputs) && inputs.config.auth.createAdminUser;
  return ['db-bootstrap', 'migrate', ...(admin ? (['create-admin'] as const) : [])];
}
