import { stageTimes } from '../../shared/metrics/stage-times'
import type { TaskInfo } from '../../shared/protocol'
import type { ChainService } from '../chain/chain-service'
import type { ModelStore } from '../chain/model-store'
import type { EventLog } from '../event-log'
import type { AggregatedRound } from './federation-ports'

/**
 * The chain's side of training: it records every aggregated round in a block (and keeps the model's bytes for a
 * restart), registers tasks, and finds the model a task resumes from. A failure to record is logged on the task's
 * page, never thrown into training.
 */
export class ChainRecorder {
  constructor(
    private readonly chain: ChainService,
    private readonly models: ModelStore | null,
    private readonly log: EventLog,
  ) {}

  /** Registers a task on the chain (its definition's hash) and keeps its definition for a restart. */
  register(task: TaskInfo): void {
    const registered = this.chain.registerTask(task)
    if (!registered.ok)
      this.log.add(
        'error',
        `task ${task.id} could not be registered on the chain: ${registered.error.message}`,
      )
    this.models?.saveTask(task)
  }

  /**
   * A task's rounds are done: a task that asks a stake ends on the chain (`training.finish-task`), which returns
   * every stake still held to its owner. A task without a stake stays open on the chain, so a reset or more rounds
   * keep recording into it; a bought task is settled by the market broker instead.
   */
  finish(taskId: string, taskLog: EventLog): void {
    const task = this.chain.state.tasks[taskId]
    if (!task?.stake || task.finished) return
    const finished = this.chain.submitOwn('training.finish-task', { taskId })
    if (!finished.ok) {
      taskLog.add('error', `the task could not be ended on the chain: ${finished.error.message}`)
      return
    }
    const returned = Object.values(this.chain.state.tasks[taskId]?.stakes ?? {})
    const tokens = returned.reduce((sum, stake) => sum + (stake.released ?? 0), 0)
    taskLog.add(
      'info',
      `the task ended on the chain in block ${finished.value.block}: ${tokens} staked tokens returned to ${returned.filter((s) => (s.released ?? 0) > 0).length} participants`,
    )
  }

  /** Chains an aggregated round and keeps its model (in the clear only). */
  record(round: AggregatedRound, taskLog: EventLog): void {
    if (this.chain.state.tasks[round.taskId]?.finished) {
      taskLog.add(
        'error',
        `round ${round.round} is not recorded or paid: the task ended on the chain when its rounds were done and its stakes were returned; create a new task to train further`,
      )
      return
    }
    // In the clear, modelAfter is the new weights' digest (computed once, when the round closed).
    const weights = round.weights
    if (weights) stageTimes.time('save', () => this.models?.saveModel(weights, round.modelAfter))
    const recorded = stageTimes.time('chain', () =>
      this.chain.recordRound({
        taskId: round.taskId,
        modelRound: round.round,
        run: round.run,
        modelBefore: round.modelBefore,
        modelAfter: round.modelAfter,
        // Verdicts, capped weights and scores go on the chain as written (the contract pays by them).
        participants: round.participants.map(({ clientId: _id, ...participant }) => participant),
        metrics: round.metrics,
        privacy: round.privacy,
        homomorphic: round.homomorphic,
        rewardPerExample: round.rewardPerExample,
      }),
    )
    if (recorded.ok)
      taskLog.announce('info', `round ${round.round} recorded in block ${recorded.value.block}`)
    else
      taskLog.add(
        'error',
        `round ${round.round} could not be recorded on the chain: ${recorded.error.message}`,
      )
  }

  /**
   * The last model the chain recorded for a task, when its bytes are still here and match. Encrypted rounds record
   * ciphertext hashes: the task resumes from the latest model recorded in the clear, and says so.
   */
  resumeOf(task: TaskInfo): { run: number; round: number; weights: Float32Array } | undefined {
    const records = this.chain.state.rounds.forTask(task.id)
    const last = records.at(-1)
    const found = [...records].reverse().find((r) => !r.homomorphic && this.models?.loadModel(r.modelAfter))
    const weights = found && this.models?.loadModel(found.modelAfter)
    if (last && !weights) {
      this.log.add(
        'warning',
        `task ${task.id}: no model of its ${records.length} recorded rounds is stored here; starting fresh`,
      )
    } else if (last && found && found !== last) {
      this.log.add(
        'warning',
        `task ${task.id}: rounds after ${found.modelRound} were aggregated under encryption (the tabs held that model); resuming from round ${found.modelRound}`,
      )
    }
    return found && weights ? { run: found.run ?? 1, round: found.modelRound, weights } : undefined
  }
}
