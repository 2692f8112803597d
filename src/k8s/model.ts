/**
 * The inputs and outputs of the Kubernetes layer. Builders are pure functions of `KubeInputs`: the resolved config
 * plus what only exists at deploy time (image reference, database endpoint, secret values). `synth` passes offline
 * placeholders; `deploy` passes the real values. Objects are typed with @kubernetes/client-node's model types
 * (type-only imports: nothing of the client library loads here).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { LogStore } from '../airflow/remote-logs.js';
import type { ResolvedConfig } from '../config/resolved.js';
import type { BundleTarget } from '../dags/bundle.js';

/** Where the metadata database lives. */
export type DatabaseTarget =
  | {
      /** RDS (or any PostgreSQL outside the cluster): the bootstrap Job connects with the master credentials. */
      readonly kind: 'external';
      readonly host: string;
      /** @default 5432 */
      readonly port: number;
      /** libpq sslmode for every connection. RDS forces TLS, so `require` at least. */
      readonly sslmode: 'require' | 'verify-full' | 'disable';
    }
  | {
      /** A single PostgreSQL pod in the namespace (clusters without RDS: minikube, kind, CI). */
      readonly kind: 'in-cluster';
      /** @default "postgres:16-bookworm" */
      readonly image: string;
      /** @default "8Gi" */
      readonly storage: string;
    };

/**
 * The four values every Airflow component must share, generated once and then read back on every deploy
 * (see ./secrets.ts). Plus the password of the dedicated Airflow database user.
 */
export interface SharedSecretValues {
  readonly fernetKey: string;
  readonly apiSecretKey: string;
  readonly jwtSecret: string;
  readonly adminPassword: string;
  readonly databasePassword: string;
}

/** Credentials the bootstrap Job uses to create the Airflow database user (RDS master, or in-cluster superuser). */
export interface DatabaseMasterValues {
  readonly username: string;
  readonly password: string;
}

export interface KubeInputs {
  readonly config: ResolvedConfig;
  /** Full image reference, ideally by digest: `<repo>@sha256:...` or `<repo>:<tag>`. */
  readonly image: string;
  readonly database: DatabaseTarget;
  /** Shared secrets; `undefined` renders the Secrets without data (synth: values are made at deploy time). */
  readonly secrets: SharedSecretValues | undefined;
  /** Master credentials; `undefined` as above. */
  readonly databaseMaster: DatabaseMasterValues | undefined;
  /**
   * Public URL of the UI (`[api] base_url` / `[webserver] base_url`).
   * @default "http://localhost:8080" (reach it with `kubectl port-forward`)
   */
  readonly baseUrl?: string;
  /**
   * Where task logs go (remote logging on every component and the task pod template). On AWS: the stack's bucket.
   * @default none: task logs stay in the pods (and are lost with a KubernetesExecutor task pod)
   */
  readonly logStore?: LogStore;
  /**
   * Where the S3 DAG bundle lives (the stack's bucket); needed when `dags.source` is `s3`.
   * @default none (an `s3` source without it is a programming error)
   */
  readonly dagBundle?: BundleTarget;
  /**
   * The OIDC client secret (auth.oidc), read at deploy time from its Secrets Manager ARN. Required with SSO whenever
   * `secrets` are given; `undefined` renders no Secret (synth).
   */
  readonly oidcClientSecret?: string;
}

export type KubeObject = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string };
};

/** What the engine waits for after a phase's objects are applied. */
export type PhaseWait = 'none' | 'jobs-complete' | 'rollout';

export interface Phase {
  /** Stable id, e.g. "foundation", "migrate". */
  readonly name: string;
  /** One line for progress output and `plan`. */
  readonly description: string;
  readonly objects: readonly KubeObject[];
  readonly wait: PhaseWait;
}

/** The whole application, in apply order. */
export interface KubeApp {
  readonly namespace: string;
  /** Label selector that finds every object this deployment owns (pruning). */
  readonly ownerSelector: string;
  readonly phases: readonly Phase[];
}

export function allObjects(app: KubeApp): KubeObject[] {
  return app.phases.flatMap((p) => [...p.objects]);
}
