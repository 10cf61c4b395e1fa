import { expect } from 'chai';
import { FILES_DIR, jobCommand, parseJob } from '../tasks.ts';

describe('examples/jobs tasks: the allowlist', () => {
  it('takes each task with good arguments', () => {
    expect(parseJob({ task: 'echo', args: ['a', 'b'] })).to.deep.equal({ task: 'echo', args: ['a', 'b'] });
    expect(parseJob({ task: 'echo' })).to.deep.equal({ task: 'echo', args: [] });
    expect(parseJob({ task: 'sleep', seconds: 0.5 })).to.deep.equal({ task: 'sleep', seconds: 0.5 });
    expect(parseJob({ task: 'count-lines', file: 'poem.txt' })).to.deep.equal({ task: 'count-lines', file: 'poem.txt' });
    expect(parseJob({ task: 'fail' })).to.deep.equal({ task: 'fail' });
  });

  it('refuses what is not a job, with the reason', () => {
    expect(() => parseJob([1])).to.throw(/a job is a JSON object/);
    expect(() => parseJob({})).to.throw(/needs a "task": one of echo, sleep, count-lines, fail/);
    expect(() => parseJob({ task: 'bash', args: ['-c', 'id'] })).to.throw(/unknown task "bash"/);
    expect(() => parseJob({ task: 'echo', args: 'hi' })).to.throw(/echo: args must be an array/);
    expect(() => parseJob({ task: 'echo', args: [1] })).to.throw(/echo: args/);
    expect(() => parseJob({ task: 'sleep', seconds: 61 })).to.throw(/sleep: seconds must be a number from 0 to 60/);
    expect(() => parseJob({ task: 'sleep', seconds: -1 })).to.throw(/sleep: seconds/);
    for (const file of ['../flow.ts', '/etc/passwd', '.hidden', 'a/b', '']) {
      expect(() => parseJob({ task: 'count-lines', file }), file).to.throw(/count-lines: file must be the plain name/);
    }
    expect(() => parseJob({ task: 'fail', program: 'rm' })).to.throw(/fail: unexpected field "program"/);
  });

  it('runs fixed programs, never a shell line built from the request', () => {
    expect(jobCommand({ task: 'echo', args: ['$(id)', ';', 'x'] })).to.deep.equal({ program: 'echo', args: ['$(id)', ';', 'x'] });
    expect(jobCommand({ task: 'sleep', seconds: 2.5 })).to.deep.equal({ program: 'sleep', args: ['2.500'] });
    expect(jobCommand({ task: 'count-lines', file: 'poem.txt' })).to.deep.equal({ program: 'wc', args: ['-l', 'poem.txt'], cwd: FILES_DIR });
    const fail = jobCommand({ task: 'fail' });
    expect(fail.program).to.equal('sh');
    expect(fail.shell).to.equal(undefined);
  });
});
