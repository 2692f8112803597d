/**
 * `synth --out DIR` → DIR/image/: the Dockerfile (network-install form; `image build` adds the wheelhouse or
 * CA-bundle variant when asked) and the files it copies from docker/. The project's lock, DAGs and plugins are
 * not copied: the Dockerfile header lists the build context it expects.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { imageInputs, renderImageDockerfile } from './plan.js';

export interface ImageArtifact {
  readonly path: string;
  readonly content: string;
}

/** Pure: config + the packaged helper files → the files under image/. */
export function renderImageArtifacts(
  config: ResolvedConfig,
  assets: readonly { readonly path: string; readonly content: string }[],
): ImageArtifact[] {
  return [
    { path: 'image/Dockerfile', content: renderImageDockerfile(imageInputs(config), { wheelhouse: false, caBundle: false }) },
    ...assets.map((a) => ({ path: `image/${a.path}`, content: a.content })),
  ];
}

/** The renderer `synth` runs; reads this package's own docker/ files (static, versioned with the tool). */
export async function imageArtifacts(config: ResolvedConfig): Promise<ImageArtifact[]> {
  const { readImageAssets } = await import('../adapters/fs/image-context.js');
  return renderImageArtifacts(config, await readImageAssets());
}
