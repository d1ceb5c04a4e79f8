import { HeContext } from './context'
import { HE_PRESETS, type HePresetName } from './parameters'
import type { Seal } from './seal'

/** One context per preset for the life of a process or page: contexts are costly to build and hold no key. */
export class HeContextCache {
  readonly #contexts = new Map<HePresetName, HeContext>()

  constructor(readonly seal: Seal) {}

  context(preset: HePresetName): HeContext {
    let ctx = this.#contexts.get(preset)
    if (!ctx) {
      ctx = HeContext.create(this.seal, HE_PRESETS[preset])
      this.#contexts.set(preset, ctx)
    }
    return ctx
  }

  delete(): void {
    for (const ctx of this.#contexts.values()) ctx.delete()
    this.#contexts.clear()
  }
}
