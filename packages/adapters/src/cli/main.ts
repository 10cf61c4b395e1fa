/**
 * The `sluice` command-line entry point (bin/sluice.js loads it). It runs the command, sets the
 * exit code and, if something the command started still holds the event loop (a user source's
 * timer, say), exits after a grace second.
 */
import { runCli } from './dispatch.ts';

// A reader that went away (`sluice log d | head`) ends the output, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
setTimeout(() => process.exit(code), 1000).unref();
