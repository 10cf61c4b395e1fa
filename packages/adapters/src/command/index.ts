/**
 * The command stage: OS processes as stages. Importing it registers the kind's processor with
 * the runtime, so a flow that uses `command` runs it.
 */
import './command-processor.ts';

export {
  command,
  commandKind,
  type CommandBuild,
  type CommandInvocation,
  type CommandOptions,
  type CommandSettings,
  type CommandSpec,
} from './command-kind.ts';
export type { CommandExit, CommandLine, CommandRecord } from './command-output.ts';
