/**
 * The generator's random numbers: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * 128 bits of state, from PractRand), seeded through splitmix32 so that nearby seeds give
 * unrelated streams. Java's SplittableRandom is not reproduced: the same seed gives the same
 * events here, not the same events as Flink's generator (which is unseeded).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream fixed by `seed` (any integer; only its low 32 bits count). */
  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    // sfc32 wants a few rounds before its output is well mixed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A double uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** An integer uniform in [0, bound) for 0 < bound ≤ 2^53 (Java's `nextInt(bound)` / `nextLong(bound)`). */
  nextInt(bound: number): number {
    return Math.floor(this.nextDouble() * bound);
  }
}
