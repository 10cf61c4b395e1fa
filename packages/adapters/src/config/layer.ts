import type { ConfigSource, StageLeaf, TopKey } from './schema.ts';

/** What a layer entry sets: a top-level key, or one setting of one stage. */
export type EntryTarget =
  | { readonly key: TopKey }
  | { readonly stage: string; readonly leaf: StageLeaf };

/** One raw value of a layer and where it was written, for error messages. */
export interface LayerEntry {
  readonly target: EntryTarget;
  readonly raw: unknown;
  /** E.g. `sluice.config.json: "batchSize"`, `environment variable SLUICE_BATCH_SIZE`. */
  readonly where: string;
}

/** The raw values one source gives, not yet parsed. */
export interface ConfigLayer {
  readonly source: ConfigSource;
  /** Values are strings to convert (environment, flags) rather than typed JSON values. */
  readonly text: boolean;
  /** Relative paths in this layer are resolved against it. */
  readonly baseDir: string;
  readonly entries: readonly LayerEntry[];
}
