import { parseCommandArgs } from '../args.ts';
import { checkDataDir, described, type JournalCheck } from '../check-data-dir.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { checkDataDirEdges, type EdgeFindings } from '../edge-check.ts';
import { terminalSafe } from '../safe-text.ts';

const USAGE = `usage: sluice check <data-dir>

Checks the integrity of a flow data directory: for every journal, that its seqs are dense from
1 to the last, that every record decodes, that it holds at most one EOF and only as its last
record, and that the record counts the store keeps match the records; for every stage, that
each input cursor points within its upstream journal and that its state can be read. Prints
"ok" and the counts per journal, or one "problem:" line per problem naming the journal (or
stage) and the seq, then a summary.

Then, when the journals are intact, it checks every edge of the flow: that everything written
upstream was read downstream (a consumer that ended, or every consumer once the last run
completed, has its cursor at its upstream's last seq), and that every input a sink read has
exactly one receipt in the sink's journal (delivered, or failed with the reason). An "ok edge"
line per edge, a "problem:" line per violation.

Debian's stock mdb_stat and mdb_dump cannot read a data directory (lmdb-js bundles a newer
LMDB data format than they read): use this command instead. It only reads, but run it while
no flow runs on the directory: records appended meanwhile would show as mismatched counts.

Exit status: 0 when no problem is found, 1 when one is (or the directory cannot be opened).

Options:
  -h, --help   this text`;

/** `sluice check <data-dir>`. */
export const checkCommand: Command = {
  name: 'check',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, { command: 'check', options: {}, positionals: ['<data-dir>'] });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const dir = await openDataDir(positionals[0] ?? '');
    let checks: JournalCheck[];
    let edges: EdgeFindings | undefined;
    try {
      checks = await checkDataDir(dir);
      // Edge contracts mean nothing over broken journals: those are fixed first.
      if (checks.every((c) => c.problems.length === 0)) edges = await checkDataDirEdges(dir);
    } finally {
      await dir.store.close();
    }
    const width = Math.max(...checks.map((c) => c.journal.length));
    for (const check of checks) {
      if (check.problems.length === 0) console.log(terminalSafe(okLine(check, width)));
      for (const problem of check.problems) console.log(terminalSafe(`problem: ${problem}`));
    }
    const bad = checks.filter((c) => c.problems.length > 0);
    if (edges === undefined) console.log('edges: not checked (the journals have problems)');
    else {
      for (const line of edges.ok) console.log(terminalSafe(line));
      for (const violation of edges.violations) console.log(terminalSafe(`problem: ${violation}`));
      console.log(edges.summary);
    }
    if (bad.length === 0 && edges !== undefined && edges.violations.length > 0) {
      const count = edges.violations.length;
      console.error(terminalSafe(`sluice: ${dir.path}: ${String(count)} edge contract violation${count === 1 ? '' : 's'}`));
      return 1;
    }
    if (bad.length === 0) {
      console.log(healthy(dir.path, checks));
      return 0;
    }
    const problems = bad.reduce((sum, c) => sum + c.problems.length, 0);
    const where = bad.map((c) => `"${c.journal}"`).join(', ');
    console.error(terminalSafe(`sluice: ${dir.path}: ${problems} problem${problems === 1 ? '' : 's'}, in journal${bad.length === 1 ? '' : 's'} ${where}`));
    return 1;
  },
};

function okLine(check: JournalCheck, width: number): string {
  const cursors = check.cursors.map((c) => `cursor on ${c.upstream} ${c.cursor}/${c.upstreamLast}`);
  return `ok  ${check.journal.padEnd(width)}  ${described(check.counts)}${cursors.length === 0 ? '' : `; ${cursors.join(', ')}`}`;
}

function healthy(path: string, checks: readonly JournalCheck[]): string {
  const records = checks.reduce((sum, c) => sum + Object.values(c.counts).reduce((a, b) => a + b, 0), 0);
  const cursors = checks.reduce((sum, c) => sum + c.cursors.length, 0);
  return `no problem found in ${path}: ${checks.length} journals, ${records} records, ${cursors} cursor${cursors === 1 ? '' : 's'}`;
}
