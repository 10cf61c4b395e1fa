/**
 * The orders flow as a flow file for the CLI:
 *   pnpm sluice run examples/orders/orders.flow.ts --data-dir .sluice/orders-cli
 * Input and output default to the demo's (run `pnpm demo` once to generate the input);
 * ORDERS_INPUT and ORDERS_OUT override them.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ordersFlow } from './flow.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

export default () =>
  ordersFlow(
    resolve(process.env['ORDERS_INPUT'] ?? `${here}.sluice/orders-demo/input/orders.jsonl`),
    resolve(process.env['ORDERS_OUT'] ?? `${here}.sluice/orders-cli/out`),
  );
