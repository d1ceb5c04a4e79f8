import type { ModelSpec } from '../model/spec'
import type { Phase } from '../rounds/state'
import type { TaskSchema } from '../tasks/schema'

/** What a tab trains on: the model and where its examples come from. */
export interface TaskInfo {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly features: readonly string[]
  readonly classNames: readonly string[]
  readonly model: ModelSpec
  /**
   * Where a tab's rows come from: built-in generated data (each tab generates its own partition locally from the
   * seed), or a CSV the person picks in the tab, read with this schema.
   */
  readonly dataset:
    | { readonly kind: 'demo-diabetes'; readonly seed: number }
    | { readonly kind: 'csv'; readonly schema: TaskSchema }
  /** What a paid task asks each participant to lock before it joins (absent: nothing). */
  readonly stake?: TaskStake
}

/**
 * A stake (`training.stake` in the training contract): `tokens` locked while the task runs, returned when it ends;
 * an update rejected as broken or out of bounds forfeits `slashPercent` of them (default 50) to the reward escrow.
 */
export interface TaskStake {
  readonly tokens: number
  readonly slashPercent?: number
}

/** The tab's share of a built-in dataset: which partition to generate. */
export interface Partition {
  readonly index: number
  readonly seed: number
}

/** A task as lists show it: what it is and how its training stands. */
export interface TaskSummary {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly source: TaskInfo['dataset']['kind']
  readonly model: string
  readonly parameters: number
  readonly clients: number
  readonly phase: Phase
  /** The task's run (one more after each reset); `completedRounds` counts within it. */
  readonly run: number
  readonly completedRounds: number
  readonly rounds: number
}

export interface TaskListing {
  readonly task: TaskInfo
  readonly summary: TaskSummary
}
