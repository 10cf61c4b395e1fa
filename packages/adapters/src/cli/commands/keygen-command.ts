import { existsSync, writeFileSync } from 'node:fs';
import { generateAuditKeyPair } from '../../audit/audit-keys.ts';
import { parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice keygen --out <prefix>

Writes a new Ed25519 key pair for the audit trail, in PEM: <prefix>.key, the private key that
signs a run's checkpoints (mode 0600: keep it to the machine that runs the flow), and
<prefix>.pub, the public key that "sluice audit verify" checks them with (give it to whoever
verifies). Existing files are never overwritten.

Exit status: 0 when both files are written, 1 when they cannot be (or already exist), 2 on bad
arguments.

Options:
  --out <prefix>   where to write: <prefix>.key and <prefix>.pub
  -h, --help       this text`;

/** `sluice keygen --out <prefix>`. */
export const keygenCommand: Command = {
  name: 'keygen',
  usage: USAGE,
  run(argv) {
    const { flags } = parseCommandArgs(argv, { command: 'keygen', options: { out: { type: 'string' } }, positionals: [] });
    if (flags['help'] === true) {
      console.log(USAGE);
      return Promise.resolve(0);
    }
    const prefix = stringFlag(flags, 'out');
    if (prefix === undefined || prefix === '') throw new UsageError('keygen: --out <prefix> is required', 'keygen');
    const { privateKey, publicKey } = generateAuditKeyPair();
    for (const file of [`${prefix}.key`, `${prefix}.pub`]) {
      if (existsSync(file)) throw new Error(`keygen: ${file} already exists (a key is never overwritten)`);
    }
    // 'wx' also refuses a file created meanwhile: a key is never replaced by accident.
    writeFileSync(`${prefix}.key`, privateKey, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${prefix}.pub`, publicKey, { mode: 0o644, flag: 'wx' });
    console.log(`wrote ${prefix}.key (private, mode 0600) and ${prefix}.pub (public)`);
    return Promise.resolve(0);
  },
};
