import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { succeed } from './command.ts';

/**
 * Copies the workspace as a fresh clone would hold it (the files git tracks plus new files it
 * does not ignore: no node_modules, no dist/, no build info), so that uncommitted work is what
 * gets packed, then installs it offline from the pnpm store this checkout was installed from.
 */
export async function freshCopy(root: string, target: string): Promise<void> {
  const listed = await succeed('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  const files = listed.split('\0').filter((file) => file !== '');
  for (const file of files) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    // A tracked file deleted in the working tree is not part of the copy.
    await cp(join(root, file), join(target, file)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
  }
  const store = (await succeed('pnpm', ['store', 'path'], { cwd: root })).trim();
  await succeed('pnpm', ['install', '--frozen-lockfile', '--offline', '--store-dir', store], { cwd: target });
}
