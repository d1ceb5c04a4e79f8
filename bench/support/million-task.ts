import type { TaskInfo } from '../../shared/protocol'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'

/** The demo task with an MLP of about a million parameters (4 MB updates), for the transport and burst benches. */
export function millionParameterTask(): TaskInfo {
  const demo = diabetesDemoTask('mlp', 1)
  return {
    ...demo,
    id: 'big',
    name: 'A million parameters',
    model: { kind: 'mlp', inputs: demo.features.length, hidden: [1000, 980], activation: 'relu', classes: 2 },
  }
}
