import { parameterCount } from '../shared/model/spec'
import type { TaskInfo, TaskListing, TaskSummary } from '../shared/protocol'
import { fail, ok, type Result } from '../shared/result'
import type { Federation } from './federation'

export interface TaskEntry {
  readonly task: TaskInfo
  readonly federation: Federation
  /** Largest message this task's clients may send: its weights plus room for the other fields. */
  readonly maxMessageBytes: number
  /** Accounts allowed to join (a bought training task: the provider's only); null for anyone. */
  readonly participants: ReadonlySet<string> | null
}

/** Room for the non-weight fields of an update on top of the weight bytes. */
export const MESSAGE_OVERHEAD_BYTES = 64 * 1024

/** Every task on the coordinator, each with its own federation (rounds, global model, history). */
export class TaskRegistry {
  readonly #entries = new Map<string, TaskEntry>()

  constructor(
    private readonly federationFor: (task: TaskInfo) => Federation,
    /** Models larger than this are refused: the transport's message cap is sized from it. */
    readonly maxParameters: number,
  ) {}

  add(task: TaskInfo, options: { participants?: ReadonlySet<string> } = {}): Result<TaskEntry> {
    if (this.#entries.has(task.id))
      return fail('invalid-config', `a task with id "${task.id}" already exists`)
    const parameters = parameterCount(task.model)
    if (parameters > this.maxParameters) {
      return fail(
        'invalid-config',
        `the model has ${parameters} parameters; this coordinator accepts at most ${this.maxParameters}`,
      )
    }
    const entry = {
      task,
      federation: this.federationFor(task),
      maxMessageBytes: parameters * 4 + MESSAGE_OVERHEAD_BYTES,
      participants: options.participants ?? null,
    }
    this.#entries.set(task.id, entry)
    return ok(entry)
  }

  get(id: string): TaskEntry | undefined {
    return this.#entries.get(id)
  }

  /** The first task: what a page watches when it names none. */
  get first(): TaskEntry {
    const first = this.#entries.values().next()
    if (first.done) throw new Error('the coordinator has no task')
    return first.value
  }

  entries(): TaskEntry[] {
    return [...this.#entries.values()]
  }

  summaries(): TaskSummary[] {
    return this.entries().map((e) => e.federation.summary())
  }

  listings(): TaskListing[] {
    return this.entries().map((e) => ({ task: e.task, summary: e.federation.summary() }))
  }

  /** A readable id from a name, unique here: "Clinic study" -> "clinic-study", then "clinic-study-2". */
  uniqueId(name: string): string {
    const base =
      name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'task'
    let id = base
    for (let n = 2; this.#entries.has(id); n++) id = `${base}-${n}`
    return id
  }
}
