/** Examples held in a tab: features row-major (`count * features` values) and integer class labels. */
export interface Split {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly count: number
}

/** A tab's local data: a training split and a held-out split that only ever scores global models. */
export interface Dataset {
  readonly features: number
  readonly classes: number
  readonly train: Split
  readonly test: Split
}

/** Share of each class among `labels`. */
export function classBalance(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0)
  for (const label of labels) counts[label]!++
  return counts.map((n) => (labels.length === 0 ? 0 : n / labels.length))
}
