/** Shows a raw configuration value in an error message. */
export function showValue(raw: unknown): string {
  switch (typeof raw) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'bigint':
    case 'symbol':
      return raw.toString();
    default:
      try {
        return JSON.stringify(raw);
      } catch {
        return Object.prototype.toString.call(raw);
      }
  }
}
