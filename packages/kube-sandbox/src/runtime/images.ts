/**
 * The container images the sandbox "has": anything else fails to pull (ErrImagePull →
 * ImagePullBackOff), like a registry that does not know the tag.
 */

export interface ImageInfo {
  /** Repository without registry and `library/` (e.g. `nginx`, `my-app`). */
  repository: string;
  tag: string;
  /** Working-set memory of an idle container, bytes. */
  baseMemoryBytes: number;
}

/** Repositories the sandbox knows, with an idle memory footprint. */
export const KNOWN_REPOSITORIES: Record<string, number> = {
  'my-app': 48 * 1024 * 1024,
  nginx: 12 * 1024 * 1024,
  httpd: 16 * 1024 * 1024,
  busybox: 1 * 1024 * 1024,
  'argoproj/rollouts-demo': 20 * 1024 * 1024,
  'stefanprodan/podinfo': 18 * 1024 * 1024,
  'hashicorp/http-echo': 6 * 1024 * 1024,
  'traefik/whoami': 5 * 1024 * 1024,
  'kennethreitz/httpbin': 40 * 1024 * 1024,
  'google-samples/hello-app': 8 * 1024 * 1024,
  pause: 1 * 1024 * 1024,
};

/** Tags accepted for a known repository: versions and the usual moving tags. */
export const KNOWN_TAG =
  /^(latest|stable|mainline|alpine|slim|blue|green|yellow|red|orange|purple|v?\d+(\.\d+){0,3}([-.+][A-Za-z0-9.]+)*)$/;

export function parseImage(image: string): { repository: string; tag: string } {
  let ref = image.split('@')[0];
  let tag = 'latest';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = ref.slice(colon + 1);
    ref = ref.slice(0, colon);
  }
  const parts = ref.split('/');
  // Drop a registry host (has a dot or a port, or is localhost).
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost'))
    parts.shift();
  if (parts[0] === 'library') parts.shift();
  return { repository: parts.join('/'), tag };
}

/** The image's info, or undefined when the sandbox cannot "pull" it. */
export function lookupImage(image: string | undefined): ImageInfo | undefined {
  if (!image) return undefined;
  const { repository, tag } = parseImage(image);
  const short = repository.split('/').slice(-2).join('/');
  const base =
    KNOWN_REPOSITORIES[repository] ??
    KNOWN_REPOSITORIES[short] ??
    KNOWN_REPOSITORIES[repository.split('/').pop()!];
  if (base === undefined || !KNOWN_TAG.test(tag)) return undefined;
  return { repository, tag, baseMemoryBytes: base };
}
