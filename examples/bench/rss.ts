import { readFileSync } from 'node:fs';

/** Peak memory of the process during a scenario, in MB. */
export interface MemoryPeak {
  /** The kernel's high-water mark of resident memory for the whole process (`maxRSS`). */
  readonly rssMb: number;
  /** Peak of anonymous resident memory (heap, native buffers), sampled; 0 where unknown. */
  readonly anonMb: number;
  /** Peak of file-backed resident memory (mapped LMDB pages, code), sampled; 0 where unknown. */
  readonly fileMb: number;
}

const MB = 1024 * 1024;

/**
 * Samples resident memory on an interval. `maxRSS` from the kernel is exact; the split into
 * anonymous and file-backed pages comes from `/proc/self/status` (Linux) and is sampled.
 */
export class RssSampler {
  private anon = 0;
  private file = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 50) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  /** Stops sampling and returns the peaks. */
  stop(): MemoryPeak {
    clearInterval(this.timer);
    this.sample();
    const rssMb = (process.resourceUsage().maxRSS * 1024) / MB;
    return { rssMb, anonMb: this.anon / MB, fileMb: this.file / MB };
  }

  private sample(): void {
    const status = procStatus();
    if (status === undefined) return;
    this.anon = Math.max(this.anon, status.anon);
    this.file = Math.max(this.file, status.file + status.shmem);
  }
}

function procStatus(): { anon: number; file: number; shmem: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  };
  return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
}
