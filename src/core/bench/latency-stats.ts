/**
 * Latency figures in the form kafka-producer-perf-test prints them: count,
 * average, max, and percentiles over a bounded sample (every k-th record),
 * so memory stays flat for any number of records.
 */
export class LatencyStats {
  private readonly samples: Float64Array
  private readonly every: number
  private sampled = 0
  private seen = 0
  count = 0
  total = 0
  max = 0

  constructor(expected: number, maxSamples = 500_000) {
    this.every = Math.max(1, Math.ceil(expected / maxSamples))
    this.samples = new Float64Array(Math.min(expected, maxSamples) + 1)
  }

  record(latencyMs: number): void {
    this.count++
    this.total += latencyMs
    if (latencyMs > this.max) this.max = latencyMs
    if (this.seen++ % this.every === 0 && this.sampled < this.samples.length) this.samples[this.sampled++] = latencyMs
  }

  get average(): number {
    return this.count === 0 ? 0 : this.total / this.count
  }

  percentiles(ps: number[]): number[] {
    const sorted = this.samples.slice(0, this.sampled).sort()
    return ps.map((p) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]))
  }
}
