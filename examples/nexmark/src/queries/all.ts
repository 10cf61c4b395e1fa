// The registered queries, one line each. Adding a query: write queries/qN.ts (and its
// reference/qN.ts), then add its line here.
export { q0 } from './q0.ts';
export { q1 } from './q1.ts';
export { q2 } from './q2.ts';
