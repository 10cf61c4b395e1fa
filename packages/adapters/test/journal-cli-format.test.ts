import { expect } from 'chai';
import { describe, it } from 'mocha';
import type { JournalRecord } from '@sluice/core';
import { formatRecord, recordJson } from '../src/cli/format-record.ts';
import { formatActivity } from '../src/cli/format-activity.ts';

/** Raw C0 and C1 control characters and DEL; `\n` would also break a one-line record. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const hostile = 'red \u001b[31m bell \u0007 del \u007f csi \u009b2J nl \n end';

function errorRecord(payload: Record<string, unknown>): JournalRecord {
  return { seq: 3, kind: 'error', at: 0, payload };
}

describe('journal record formatting', () => {
  it('names a malformed line\'s location once', () => {
    const location = '/data/access.jsonl:92';
    const line = formatRecord(
      errorRecord({
        stage: 'access',
        code: 'MALFORMED_INPUT',
        message: `${location}: Unterminated string in JSON at position 9`,
        location,
        input: '{"a":"bc',
      }),
      'access',
    );
    expect(line.split(location)).to.have.length(2);
    expect(line).to.include(`MALFORMED_INPUT: ${location}: Unterminated string in JSON at position 9`);
    expect(line).to.include('input "{\\"a\\":\\"bc"');
  });

  it('still names the location of an error whose message does not', () => {
    const line = formatRecord(
      errorRecord({ stage: 's', code: 'MALFORMED_INPUT', message: 'bad', location: 'f.jsonl:7' }),
      's',
    );
    expect(line).to.include('MALFORMED_INPUT: bad at f.jsonl:7');
  });

  it('escapes control characters in text: payloads, messages, locations and inputs', () => {
    const data = formatRecord({ seq: 1, kind: 'data', at: 0, payload: { text: hostile } }, 'x');
    const error = formatRecord(
      errorRecord({ stage: 'x', code: 'HANDLER_FAILED', message: hostile, location: `f\u001b.jsonl:1`, input: hostile }),
      'x',
    );
    for (const line of [data, error]) {
      expect(line).not.to.match(CONTROL);
      expect(line).to.include('\\u001b[31m');
      expect(line).to.include('\\u007f');
      expect(line).to.include('\\u009b2J');
    }
    expect(error).to.include('bell \\u0007');
    expect(error).to.include('nl \\n end');
  });

  it('keeps --json valid JSON with the same values, and free of raw DEL and C1 characters', () => {
    const record: JournalRecord = { seq: 1, kind: 'data', at: 5, payload: { text: hostile, [hostile]: 1 } };
    const json = recordJson(record);
    expect(json).not.to.match(CONTROL);
    expect(JSON.parse(json)).to.deep.equal({ seq: 1, kind: 'data', at: 5, payload: record.payload });
  });

  it('escapes control characters in activity text', () => {
    const line = formatActivity({
      type: 'stage.state',
      seq: 4,
      at: 0,
      run: 'r',
      stage: 'check',
      from: 'running',
      to: 'failed',
      error: `boom ${hostile}`,
    });
    expect(line).not.to.match(CONTROL);
    expect(line).to.include('\\u001b[31m');
  });
});
