/**
 * Where a round's time goes, for `npm run bench` (issue 17): each participant and the coordinator time their own
 * stages (training, evaluation, hashing and signing an update, verifying it, aggregation, the chain, saving the
 * model) into this process's (or tab's) recorder. The bench reads the samples and places them in each round by
 * their end time. Samples are durations only (no data, no ids), and the ring holds at most MAX_SAMPLES.
 */
export const STAGES = ['train', 'evaluate', 'sign', 'verify', 'aggregate', 'chain', 'save'] as const
export type Stage = (typeof STAGES)[number]

export interface StageSample {
  readonly stage: Stage
  readonly ms: number
  /** When the stage ended, milliseconds since the epoch (comparable across processes on one machine). */
  readonly endedAt: number
}

const MAX_SAMPLES = 20_000

const now = (): number => performance.now()

export class StageTimes {
  readonly #samples: StageSample[] = []
  #next = 0

  add(stage: Stage, ms: number): void {
    const sample = { stage, ms, endedAt: Date.now() }
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(sample)
    else {
      this.#samples[this.#next] = sample
      this.#next = (this.#next + 1) % MAX_SAMPLES
    }
  }

  time<T>(stage: Stage, work: () => T): T {
    const start = now()
    try {
      return work()
    } finally {
      this.add(stage, now() - start)
    }
  }

  async timeAsync<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const start = now()
    try {
      return await work()
    } finally {
      this.add(stage, now() - start)
    }
  }

  /** Every sample held, oldest first. */
  samples(): StageSample[] {
    return [...this.#samples.slice(this.#next), ...this.#samples.slice(0, this.#next)]
  }

  clear(): void {
    this.#samples.length = 0
    this.#next = 0
  }
}

/** This process's (or tab's) recorder. A tab also exposes it as `globalThis.privxStageTimes` for the bench. */
export const stageTimes = new StageTimes()
