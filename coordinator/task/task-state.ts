import type { TaskStateMessage } from '../../shared/protocol'
import { phaseOf, type RoundState } from '../../shared/rounds/state'

/** What every tab of the task shows about it: the phase (and why it stopped) and what protects the next upload. */
export function taskStateOf(state: RoundState, keyId: string | null): TaskStateMessage {
  const { encryption, privacy } = state.config
  return {
    phase: phaseOf(state),
    stopped: state.stopped,
    encryption: { mode: encryption.mode, keyId: encryption.mode === 'off' ? null : keyId },
    privacy: {
      mode: privacy.mode,
      exampleLevel: privacy.exampleLevel.enabled,
      epsilonBudget: privacy.epsilonBudget,
      noiseMultiplier: privacy.noiseMultiplier,
      delta: privacy.delta,
      exampleNoiseMultiplier: privacy.exampleLevel.noiseMultiplier,
    },
  }
}

/** Sends the task state to the task's tabs when it changed since it was last sent, and only then. */
export class TaskStatePublisher {
  #last = ''

  publish(state: TaskStateMessage, send: (state: TaskStateMessage) => void): void {
    const text = JSON.stringify(state)
    if (text === this.#last) return
    this.#last = text
    send(state)
  }
}
