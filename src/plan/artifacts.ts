/**
 * Everything `synth --out DIR` writes, computed purely from the resolved config. Each area contributes its files
 * under its own folder (cloudformation/, image/, kubernetes/); the command only writes them.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { synthesizeTemplates } from '../infra/synthesize.js';
import { renderKubernetes } from '../k8s/render.js';
import { imageArtifacts } from '../image/artifacts.js';

export interface Artifact {
  /** Path relative to the output directory, with forward slashes. */
  readonly path: string;
  readonly content: string;
}

export type ArtifactRenderer = (config: ResolvedConfig) => Artifact[] | Promise<Artifact[]>;

export const cloudFormationArtifacts: ArtifactRenderer = (config) =>
  synthesizeTemplates(config).map((t) => ({
    path: `cloudformation/${t.stackName}.template.json`,
    content: `${JSON.stringify(t.template, null, 1)}\n`,
  }));

/** Kubernetes manifests, one YAML file per apply phase (offline placeholders for deploy-time values). */
export const kubernetesArtifacts: ArtifactRenderer = (config) => renderKubernetes(config);

/** Renderers in write order: infrastructure, Kubernetes, image. */
export const ARTIFACT_RENDERERS: readonly ArtifactRenderer[] = [cloudFormationArtifacts, kubernetesArtifacts, imageArtifacts];

export async function renderArtifacts(config: ResolvedConfig): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const render of ARTIFACT_RENDERERS) out.push(...(await render(config)));
  return out;
}
