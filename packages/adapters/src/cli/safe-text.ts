/** C0 controls, DEL and C1 controls: what a terminal may act on instead of showing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
/** What JSON.stringify leaves raw: DEL and C1 (it escapes C0 itself). */
const JSON_RAW_CONTROLS = /[\u007f-\u009f]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` safe to write to a terminal on one line: every C0 and C1 control character and DEL
 * becomes a JSON-style escape (`\u001b`, `\n`), so a payload cannot move the cursor, retitle
 * the window or clear the screen of the operator reading it.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/**
 * `JSON.stringify(value)` with DEL and C1 characters escaped too (`\u009b`): still valid JSON
 * that parses to the same value, and with no raw control character in it.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(JSON_RAW_CONTROLS, escaped);
}
