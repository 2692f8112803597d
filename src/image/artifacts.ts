/**
 * `synth --out DIR` → DIR/image/: Dockerfile.builder (the virtualenv, network-install form; `image build` adds the
 * wheelhouse or CA-bundle variant when asked), Dockerfile (the runtime image, FROM the builder's tag) and the files
 * they copy from docker/. The project's lock, DAGs and plugins are not copied: each header lists the context it
 * expects.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { imageInputs, renderBuilderDockerfile, renderRuntimeDockerfile } from './plan.js';

export interface ImageArtifact {
  readonly path: string;
  readonly content: string;
}

/** Pure: config + the packaged helper files → the files under image/. */
export function renderImageArtifacts(
  config: ResolvedConfig,
  assets: readonly { readonly path: string; readonly content: string }[],
): ImageArtifact[] {
  const inputs = imageInputs(config);
  return [
    { path: 'image/Dockerfile.builder', content: renderBuilderDockerfile(inputs, { wheelhouse: false, caBundle: false }) },
    { path: 'image/Dockerfile', content: renderRuntimeDockerfile(inputs) },
    ...assets.map((a) => ({ path: `image/${a.path}`, content: a.content })),
  ];
}

/** The renderer `synth` runs; reads this package's own docker/ files (static, versioned with the tool). */
export async function imageArtifacts(config: ResolvedConfig): Promise<ImageArtifact[]> {
  const { readBuilderAssets, readImageAssets } = await import('../adapters/fs/image-context.js');
  return renderImageArtifacts(config, [...(await readImageAssets()), ...(await readBuilderAssets())]);
}
