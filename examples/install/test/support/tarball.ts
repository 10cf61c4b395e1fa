import { succeed } from './command.ts';

/** The paths in a packed package tarball, without npm's leading `package/`. */
export async function tarballEntries(tarball: string, cwd: string): Promise<string[]> {
  const listing = await succeed('tar', ['-tzf', tarball], { cwd });
  return listing
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
}

/** The package.json inside a packed package tarball, parsed. */
export async function tarballManifest(tarball: string, cwd: string): Promise<Record<string, unknown>> {
  return JSON.parse(await succeed('tar', ['-xOzf', tarball, 'package/package.json'], { cwd })) as Record<string, unknown>;
}

/** Every key path in `value` (`exports...development`), to find a condition at any depth. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [`${prefix}${key}`, ...keyPaths(inner, `${prefix}${key}.`)]);
}
