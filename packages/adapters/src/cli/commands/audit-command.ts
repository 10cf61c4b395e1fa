import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@sluice/core';
import { bundleSource, exportBundle } from '../../audit/audit-bundle.ts';
import { readPublicKey } from '../../audit/audit-keys.ts';
import type { AuditSource } from '../../audit/audit-source.ts';
import { defaultHeadFile, readHeadFile } from '../../audit/head-file.ts';
import { verifyAudit, type AuditReport } from '../../audit/verify-audit.ts';
import { openAuditSource } from '../../lmdb/audit-reader.ts';
import { parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { terminalSafe } from '../safe-text.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice audit verify <data-dir> --key <public-key.pem> [--head <file>]
       sluice audit verify --bundle <bundle.json> --key <public-key.pem>
       sluice audit export <data-dir> --out <bundle.json | directory>

Checks the tamper-evident audit trail of a run made with the store's audit option. verify
recomputes every journal's hash chain from the records' stored bytes, checks every signed
checkpoint with the public key alone, and names the first record that was altered, removed,
inserted or reordered (journal and seq), a tail that was cut off, and a data file replaced
with an older copy (the head file, by default <data-dir>.audit-head.json beside the directory,
signed a later checkpoint than the data holds). Records after the last checkpoint are chained
but not yet signed (a crash before the next checkpoint): they are listed, not failed.

A data directory rolled back together with its head file cannot be told from the original:
keep a copy of the head file, or an exported bundle, somewhere else.

export writes a proof bundle (records as stored, chain, signed checkpoints, head) that
"sluice audit verify --bundle" checks anywhere with only the public key.

Exit status of verify: 0 verified, 1 tampering found, 2 cannot verify (no audit data),
4 error (bad arguments, unreadable files). export: 0 written, 2 no audit data, 4 error.

Options:
  --key <file>      the Ed25519 public key (PEM; see sluice keygen)
  --head <file>     the head file to compare (default <data-dir>.audit-head.json)
  --bundle <file>   verify a proof bundle instead of a data directory
  --out <path>      export: the bundle file, or a directory to write audit-bundle.json in
  -h, --help        this text`;

const OPTIONS = { key: { type: 'string' }, head: { type: 'string' }, bundle: { type: 'string' }, out: { type: 'string' } } as const;

/** Exit codes of `sluice audit`. */
const EXIT = { verified: 0, tampered: 1, unverifiable: 2, error: 4 } as const;

/** `sluice audit verify|export`. */
export const auditCommand: Command = {
  name: 'audit',
  usage: USAGE,
  async run(argv) {
    try {
      return await runAudit(argv);
    } catch (error) {
      // Exit 2 means "cannot verify" here, so bad arguments exit 4 like any other error.
      const hint = error instanceof UsageError ? ' (see sluice audit --help)' : '';
      console.error(terminalSafe(`sluice: ${errorMessage(error)}${hint}`));
      return EXIT.error;
    }
  },
};

async function runAudit(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help') {
    console.log(USAGE);
    return action === undefined ? EXIT.error : 0;
  }
  if (action !== 'verify' && action !== 'export') throw new UsageError(`audit: unknown action "${action}" (use verify or export)`, 'audit');
  const withBundle = action === 'verify' && rest.some((a) => a === '--bundle' || a.startsWith('--bundle='));
  const command = `audit ${action}`;
  const { positionals, flags } = parseCommandArgs(rest, { command, options: OPTIONS, positionals: withBundle ? [] : ['<data-dir>'] });
  if (flags['help'] === true) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = positionals[0];
  if (action === 'export') return exportTo(dataDir ?? '', stringFlag(flags, 'out'));
  const keyFile = stringFlag(flags, 'key');
  if (keyFile === undefined) throw new UsageError(`${command}: --key <public-key.pem> is required`, 'audit');
  const publicKey = readPublicKey(keyFile);
  const bundleFile = stringFlag(flags, 'bundle');
  if (bundleFile !== undefined) {
    const { source, head } = bundleSource(readBundle(bundleFile), bundleFile);
    const report = verifyAudit(source, { publicKey, ...(head === undefined ? {} : { head }) });
    return print(report, bundleFile, undefined);
  }
  const dir = dataDir ?? '';
  const headFile = stringFlag(flags, 'head') ?? defaultHeadFile(dir);
  const head = readHeadFile(headFile);
  const report = await withSource(dir, (source) => verifyAudit(source, { publicKey, ...(head === undefined ? {} : { head }) }));
  return print(report, dir, head === undefined ? headFile : undefined);
}

function readBundle(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(`audit: cannot read bundle ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

async function withSource<T>(dataDir: string, use: (source: AuditSource) => T): Promise<T> {
  const source = openAuditSource(dataDir);
  try {
    return use(source);
  } finally {
    await source.close();
  }
}

async function exportTo(dataDir: string, out: string | undefined): Promise<number> {
  if (out === undefined || out === '') throw new UsageError('audit export: --out <bundle.json | directory> is required', 'audit');
  const head = readHeadFile(defaultHeadFile(dataDir));
  const bundle = await withSource(dataDir, (source) => exportBundle(source, head));
  if (bundle.checkpoints.length === 0) {
    console.error(`sluice: ${dataDir} holds no signed audit data (was it run with audit?)`);
    return EXIT.unverifiable;
  }
  const file = isDirectory(out) || out.endsWith('/') ? join(out, 'audit-bundle.json') : out;
  if (file !== out) mkdirSync(out, { recursive: true });
  writeFileSync(file, JSON.stringify(bundle) + '\n');
  const records = bundle.journals.reduce((sum, j) => sum + j.records.length, 0);
  console.log(`wrote ${file}: ${plural(bundle.journals.length, 'journal')}, ${plural(records, 'record')}, ${plural(bundle.checkpoints.length, 'signed checkpoint')}`);
  return 0;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function print(report: AuditReport, what: string, missingHead: string | undefined): number {
  if (report.status === 'tampered') {
    for (const finding of report.findings) console.log(terminalSafe(`tampered: ${finding.message}`));
    console.error(terminalSafe(`sluice: ${what}: tampering found (${report.findings.length} finding${report.findings.length === 1 ? '' : 's'})`));
    return EXIT.tampered;
  }
  if (report.status === 'unverifiable') {
    console.error(terminalSafe(`sluice: cannot verify ${what}: it holds no signed audit data (was it run with audit?)`));
    return EXIT.unverifiable;
  }
  for (const tail of report.unsigned) {
    console.log(terminalSafe(`unsigned: journal "${tail.journal}" seq ${tail.fromSeq}..${tail.toSeq}: chained, not yet covered by a signature`));
  }
  if (missingHead !== undefined) console.log(terminalSafe(`note: no head file at ${missingHead}: a data file replaced with an older copy cannot be detected`));
  const last = report.lastCheckpoint;
  const when = last === undefined ? '' : ` (last #${last.n} at ${new Date(last.at).toISOString()})`;
  const counts = `${plural(report.journals, 'journal')}, ${plural(report.records, 'record')}, ${plural(report.checkpoints, 'signed checkpoint')}`;
  console.log(terminalSafe(`verified: ${what}: ${counts}${when}`));
  return EXIT.verified;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
