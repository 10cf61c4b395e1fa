/**
 * The built-in stage kinds, each registered by its own module: importing this registers them
 * all. A kind defined elsewhere registers itself the same way (registerStageRunner or
 * registerStageProcessor), without a change here.
 */
import './io.ts';
import './map.ts';
import './route.ts';
import './stateful.ts';
import './join.ts';
import './delay.ts';
import './keyed.ts';
import './lookup.ts';
import './stream-join.ts';
import './window-join.ts';
import './validate.ts';
import './window.ts';
