import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { FULL_DEFAULTS, parseOptions, RUN_DEFAULTS } from '../../cli/options'
import { runConfig } from '../../cli/run-config'
import { verifyCommand } from '../../coordinator/chain/verify-command'

const parse = (...argv: string[]) => parseOptions(argv).options
const error = (...argv: string[]) => {
  try {
    parseOptions(argv)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`${argv.join(' ')} parsed`)
}

describe('privx options', () => {
  it('names the option and the value it got, negative numbers included', () => {
    const rule = '--rounds must be a whole number ≥ 1 (at most 1000), got -1'
    expect(error('federated', '--rounds', '-1')).toBe(rule)
    expect(error('federated', '--rounds=-1')).toBe(rule)
    expect(error('federated', '--clients', 'three')).toBe(
      '--clients must be a whole number from 1 to 64, got three',
    )
    expect(error('federated', '--lr', '0')).toBe('--lr must be a learning rate > 0 (at most 10), got 0')
    expect(error('federated', '--batch', '-8')).toMatch(/^--batch must be a whole number ≥ 1.*, got -8$/)
    expect(error('federated', '--optimizer', 'rmsprop')).toBe('--optimizer must be adam or sgd, got rmsprop')
    expect(error('federated', '--hidden', '124,x')).toMatch(
      /^--hidden must be .*, got 124,x \("x" is not a size\)$/,
    )
    expect(error('federated', '--schema', 's.json')).toBe(
      '--schema needs --csv: it says how to read that file',
    )
    expect(error('full', '--hidden', '8')).toMatch(/^--hidden: full trains the model the market sells/)
  })

  it('shapes the model and the optimizer; full has settings of its own', () => {
    const shaped = parse(
      'federated',
      '--hidden',
      '124,64,32',
      '--lr',
      '0.1',
      '--batch',
      '16',
      '--optimizer',
      'sgd',
    )
    expect(shaped).toMatchObject({
      hidden: [124, 64, 32],
      learningRate: 0.1,
      batchSize: 16,
      optimizer: 'sgd',
    })
    expect(runConfig(shaped)).toMatchObject({
      learningRate: 0.1,
      batchSize: 16,
      optimizer: 'sgd',
      localEpochs: 2,
    })
    expect(parse('federated', '--hidden', '0').hidden).toEqual([])
    expect(parse('federated')).toMatchObject({ ...RUN_DEFAULTS, hidden: [16, 8] })
    expect(parse('full')).toMatchObject({ ...FULL_DEFAULTS, batchSize: 32 })
    expect(parse('full', '--lr', '0.05').learningRate).toBe(0.05)
  })

  it('verify refuses a directory that does not exist, exits 2 and does not create it', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'privx-verify-')), 'no-such-dir')
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(verifyCommand(missing)).toBe(2)
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(`--data-dir ${missing} does not exist`))
    } finally {
      errors.mockRestore()
    }
    expect(existsSync(missing)).toBe(false)
  })
})
