/**
 * Runs one audit scenario in this (child) process and sends its AuditResult to the parent, so
 * that CPU time is that run's alone. Argument: the AuditSpec as JSON.
 */
import { runAuditScenario, type AuditSpec } from './audit-scenario.ts';

const spec = JSON.parse(process.argv[2] ?? '') as AuditSpec;
runAuditScenario(spec).then(
  (result) => {
    if (process.send === undefined) console.log(JSON.stringify(result));
    else process.send(result);
  },
  (error: unknown) => {
    console.error(`audit scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
