import {
  ErrorCode,
  TerminalError,
  type Flow,
  type SinkHandler,
  type SinkSpec,
  type SourceHandler,
  type SourceSpec,
  type StageNode,
} from '@sluice/core';

/** A sink that delivers nothing: a replay must not reach the world. */
const deliversNothing: SinkHandler<unknown> = {
  open: () => ({ write: () => undefined }),
};

/**
 * A source that refuses to open: a replayed source finds its copied journal ended and never
 * opens its reader; if one ever did, it must not read the world.
 */
const readsNothing = (stage: string): SourceHandler<unknown> => ({
  open: () => {
    throw new TerminalError(ErrorCode.Internal, `replay: source "${stage}" was opened; a replay reads only the recorded journal`, { stage });
  },
});

/**
 * The flow as a replay runs it: the same stages, edges and handlers, but every sink's handler
 * replaced by one that delivers nothing and every source's by one that reads nothing. Its
 * definition hash is the flow's (the graph is unchanged).
 */
export function replayFlow(flow: Flow): Flow {
  const stages = flow.stages.map((node): StageNode => {
    if (node.type.source === true && node.kind === 'source') {
      const source = node as StageNode<SourceSpec>;
      return { ...source, spec: { ...source.spec, handler: readsNothing(node.name) } };
    }
    if (node.kind === 'sink') {
      const sink = node as StageNode<SinkSpec>;
      return { ...sink, spec: { ...sink.spec, handler: deliversNothing } };
    }
    return node;
  });
  return { ...flow, stages };
}
