import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { OutputCollector } from '../src/command/command-output.ts';
import { isSameProcess, processStartTime, signalGroup } from '../src/command/process-group.ts';
import { alive, until } from './fixtures/command-support.ts';

describe('command output and process groups', function () {
  this.timeout(10_000);

  it('splits chunks into lines per stream, across chunk and UTF-8 boundaries, and keeps a last line without a break', () => {
    const output = new OutputCollector(1000);
    const euro = Buffer.from('€\n');
    output.push('stdout', Buffer.from('a\nb'));
    output.push('stderr', Buffer.from('x\r\n'));
    output.push('stdout', Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]));
    output.push('stdout', euro.subarray(1));
    output.push('stdout', Buffer.from('tail'));
    output.end('stdout');
    output.end('stderr');
    expect(output.lines).to.deep.equal([
      { type: 'line', stream: 'stdout', line: 'a' },
      { type: 'line', stream: 'stderr', line: 'x' },
      { type: 'line', stream: 'stdout', line: 'bc€' },
      { type: 'line', stream: 'stdout', line: 'tail' },
    ]);
    expect(output.droppedBytes).to.equal(0);
  });

  it('keeps whole lines up to the bound and counts every byte after it, also of a line that never ends', () => {
    const output = new OutputCollector(11);
    output.push('stdout', Buffer.from('12345\n1234\n'));
    output.push('stdout', Buffer.from('x'.repeat(100)));
    output.push('stderr', Buffer.from('late\n'));
    output.end('stdout');
    expect(output.lines.map((l) => l.line)).to.deep.equal(['12345', '1234']);
    expect(output.droppedBytes).to.equal(105);
  });

  it('tells a running process from one with the same pid that started at another time', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1 << 30)'], { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      const startTime = processStartTime(pid);
      expect(startTime).to.match(/^\d+$/);
      expect(isSameProcess({ pid, pgid: pid, startTime })).to.equal(true);
      expect(isSameProcess({ pid, pgid: pid, startTime: `${startTime ?? ''}1` })).to.equal(false);
      expect(signalGroup(pid, 'SIGKILL')).to.equal(true);
      await until(() => !alive(pid), 'the group to die');
      expect(isSameProcess({ pid, pgid: pid, startTime })).to.equal(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
