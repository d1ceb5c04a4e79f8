import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { weightsDigest } from '../../shared/model/version'
import type { TaskInfo } from '../../shared/protocol'

/** Writes a file so that a crash leaves the old file or the new one, never a mix: temporary file, fsync, rename. */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const temporary = `${path}.tmp`
  const fd = openSync(temporary, 'w')
  try {
    if (typeof bytes === 'string') writeSync(fd, bytes)
    else writeSync(fd, bytes)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
}

/**
 * Global models and task definitions in the data directory, so a restarted coordinator resumes from the last model
 * its chain recorded. Models are stored by their SHA-256, which the chain records, so a load checks itself.
 */
export class ModelStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'models'), { recursive: true })
    mkdirSync(join(dir, 'tasks'), { recursive: true })
  }

  /** Keeps a model's bytes under its digest (`weightsDigest`; pass it when known: a model is hashed once). */
  saveModel(weights: Float32Array, digest = weightsDigest(weights)): string {
    const path = join(this.dir, 'models', `${digest}.f32`)
    if (!existsSync(path))
      writeAtomically(path, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    return digest
  }

  /** The model with this digest, or null when it is missing or its bytes do not hash to the digest. */
  loadModel(digest: string): Float32Array | null {
    const path = join(this.dir, 'models', `${digest}.f32`)
    if (!/^[0-9a-f]{64}$/.test(digest) || !existsSync(path)) return null
    const bytes = readFileSync(path)
    const weights = new Float32Array(new Uint8Array(bytes).buffer)
    return weightsDigest(weights) === digest ? weights : null
  }

  saveTask(task: TaskInfo): void {
    writeAtomically(join(this.dir, 'tasks', `${task.id}.json`), `${JSON.stringify(task)}\n`)
  }

  tasks(): TaskInfo[] {
    return readdirSync(join(this.dir, 'tasks'))
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(this.dir, 'tasks', name), 'utf8')) as TaskInfo)
  }
}
