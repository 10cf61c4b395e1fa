// The registered queries, one line each. Adding a query: write queries/qN.ts (and its
// reference/qN.ts), then add its line here.
export { q0 } from './q0.ts';
export { q1 } from './q1.ts';
export { q2 } from './q2.ts';
export { q3 } from './q3.ts';
export { q4 } from './q4.ts';
export { q5 } from './q5.ts';
export { q7 } from './q7.ts';
export { q8 } from './q8.ts';
export { q11 } from './q11.ts';
