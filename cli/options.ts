import { parseArgs } from 'node:util'
import { ATTACKS, type Attack } from '../client/headless/byzantine-trainer'
import { type RobustnessConfig, robustnessConfigSchema } from '../shared/rounds/config'

export const MODES = ['demo', 'market', 'federated', 'full', 'verify'] as const
export type Mode = (typeof MODES)[number]

export type Aggregator = RobustnessConfig['aggregator']
export const AGGREGATORS: readonly Aggregator[] = robustnessConfigSchema.shape.aggregator.options

export interface RunOptions {
  readonly clients: number
  readonly rounds: number
  readonly seed: number
  readonly privacy: {
    /** client: DP-FedAvg on each update (user level); example: DP-SGD inside each client (row level). */
    readonly level: 'client' | 'example'
    readonly epsilon: number
    readonly delta: number
    readonly clip: number
    readonly noise: number
  } | null
  readonly encryption: 'bfv' | 'ckks' | null
  readonly browser: boolean
  readonly out: string | null
  readonly dataDir: string | null
  readonly csv: { readonly file: string; readonly label: string } | null
  /** Dirichlet alpha of the label split across clients; Infinity for IID. */
  readonly alpha: number
  readonly json: boolean
  readonly localEpochs: number
  /** Attack simulation: the first `count` clients are malicious and mount `attack`. */
  readonly byzantine: { readonly count: number; readonly attack: Attack } | null
  /** The aggregation rule asked for; null keeps the coordinator's default. */
  readonly aggregator: Aggregator | null
}

export const usage = `Usage: privx <mode> [options]

Modes:
  demo        a short headless run of everything: a market session, then federated training with a few clients
  market      market only: sample providers and consumers, listings, purchases, ratings, search, statistics
  federated   federated training only, compared with the same model trained centrally on the pooled data
  full        market and training together: a purchase of training access drives a federated run
  verify      check a stored chain (--data-dir) without starting the coordinator

Options:
  --clients N        clients (Node clients, or tabs with --browser)          default 3
  --rounds R         federated rounds                                         default 5
  --privacy          client-level DP-FedAvg: each client clips and noises its update (with --encryption, only
                     its share of the noise: the coordinator sees just the sum); with:
    --epsilon E      privacy budget (rounds stop before it is exceeded)       default 10
    --delta D                                                                 default 1e-5
    --clip S         L2 clip norm of each update                              default 1
    --noise Z        noise multiplier                                         default 0.8
    --privacy-level L  client (DP-FedAvg, protects each client's data) or example (DP-SGD in each client,
                     protects each row; for few clients)                      default client
  --encryption       homomorphic encryption of the updates (the coordinator only adds ciphertexts)
    --scheme S       bfv (exact sums of quantized updates) or ckks            default bfv
  --csv FILE --label COLUMN  train on your own CSV, split across the clients, with a 20% held-out test split
  --alpha A          Dirichlet alpha of the non-IID label split (0 = IID)     default 0.5
  --local-epochs E   local epochs per round                                   default 2
  --seed N           seed of generated data and splits                        default 42
  --aggregator R     aggregation rule: ${AGGREGATORS.join(', ')}
                                                                              default multi-krum (FedAvg under
                                                                              --privacy or --encryption)
  --byzantine K      attack simulation: K of the clients (fewer than --clients) are malicious; with:
    --attack A       ${ATTACKS.join(', ')}
                     (scale: update x 1e6; sign-flip: -10 x update; noise: Gaussian of 100x its norm;
                     examples: declares 1e9 examples; label-flip: trains on shifted labels; backdoor: half its
                     rows get the first two features at their max and the first class, its update boosted x the
                     clients (model replacement); the summary gives the backdoor's success rate)
  --browser          real headless Chromium tabs instead of Node clients (needs Chromium; see README)
  --out DIR          write summary.json and SVG charts there
  --data-dir DIR     where the chain is kept                                  default: a fresh temporary directory
  --json             a machine-readable summary on stdout (progress goes to stderr)
  --help             this text`

/** Parses the command line; throws an Error whose message says which option is wrong and why. */
export function parseOptions(argv: readonly string[]): {
  mode: Mode | null
  help: boolean
  options: RunOptions
} {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      clients: { type: 'string' },
      rounds: { type: 'string' },
      privacy: { type: 'boolean' },
      epsilon: { type: 'string' },
      delta: { type: 'string' },
      clip: { type: 'string' },
      noise: { type: 'string' },
      'privacy-level': { type: 'string' },
      encryption: { type: 'boolean' },
      scheme: { type: 'string' },
      browser: { type: 'boolean' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      csv: { type: 'string' },
      label: { type: 'string' },
      alpha: { type: 'string' },
      'local-epochs': { type: 'string' },
      seed: { type: 'string' },
      aggregator: { type: 'string' },
      byzantine: { type: 'string' },
      attack: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const number = (name: string, fallback: number, check: (v: number) => boolean, rule: string): number => {
    const raw = values[name as keyof typeof values]
    if (raw === undefined) return fallback
    const v = Number(raw)
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !check(v)) {
      throw new Error(`--${name} ${String(raw)}: ${rule}`)
    }
    return v
  }
  const int = (v: number) => Number.isInteger(v)
  const [first, ...extra] = positionals
  if (extra.length) throw new Error(`unexpected argument "${extra[0]}" (one mode at a time)`)
  if (first !== undefined && !(MODES as readonly string[]).includes(first)) {
    throw new Error(`unknown mode "${first}"; modes: ${MODES.join(', ')}`)
  }
  const scheme = values.scheme
  if (scheme !== undefined && !['bfv', 'ckks'].includes(scheme))
    throw new Error(`--scheme ${scheme}: use bfv or ckks`)
  if (scheme !== undefined && !values.encryption) throw new Error('--scheme needs --encryption')
  if ((values.csv === undefined) !== (values.label === undefined)) {
    throw new Error('--csv and --label go together: the file and the column to predict')
  }
  const level = values['privacy-level']
  if (level !== undefined && level !== 'client' && level !== 'example') {
    throw new Error(`--privacy-level ${level}: use client or example`)
  }
  const usesPrivacyOptions = ['epsilon', 'delta', 'clip', 'noise', 'privacy-level'].filter(
    (k) => values[k as keyof typeof values] !== undefined,
  )
  if (usesPrivacyOptions.length && !values.privacy) {
    throw new Error(`--${usesPrivacyOptions[0]} needs --privacy`)
  }
  const alpha = number('alpha', 0.5, (v) => v >= 0, 'a Dirichlet alpha >= 0 (0 = IID)')
  const clients = number('clients', 3, (v) => int(v) && v >= 1 && v <= 64, 'a whole number from 1 to 64')
  const aggregator = values.aggregator
  if (aggregator !== undefined && !(AGGREGATORS as readonly string[]).includes(aggregator)) {
    throw new Error(`--aggregator ${aggregator}: use one of ${AGGREGATORS.join(', ')}`)
  }
  if (aggregator !== undefined && aggregator !== 'fedavg') {
    // As the coordinator refuses it: robust rules need each update in the clear, and DP-FedAvg a fixed sum.
    if (values.encryption)
      throw new Error(
        `--aggregator ${aggregator} needs each update in the clear: with --encryption the coordinator only sees their sum (use fedavg)`,
      )
    if (values.privacy && level !== 'example')
      throw new Error(
        `--aggregator ${aggregator} changes the sensitivity client-level DP-FedAvg accounts for: use fedavg with --privacy`,
      )
  }
  const byzantine = parseByzantine(values.byzantine, values.attack, clients)
  if (byzantine && values.browser) {
    throw new Error('--byzantine runs Node clients: it cannot be combined with --browser')
  }
  if (byzantine && (first === 'market' || first === 'verify')) {
    throw new Error(`--byzantine: the ${first} mode trains no model (use federated)`)
  }
  return {
    mode: (first as Mode | undefined) ?? null,
    help: values.help ?? false,
    options: {
      clients,
      rounds: number('rounds', 5, (v) => int(v) && v >= 1 && v <= 1000, 'a whole number from 1 to 1000'),
      localEpochs: number(
        'local-epochs',
        2,
        (v) => int(v) && v >= 1 && v <= 100,
        'a whole number from 1 to 100',
      ),
      seed: number('seed', 42, (v) => int(v) && v >= 0, 'a whole number >= 0'),
      privacy: values.privacy
        ? {
            level: level === 'example' ? 'example' : 'client',
            epsilon: number('epsilon', 10, (v) => v > 0, 'a positive epsilon'),
            delta: number('delta', 1e-5, (v) => v > 0 && v < 1, 'a delta in (0, 1)'),
            clip: number('clip', 1, (v) => v > 0, 'a positive clip norm'),
            noise: number('noise', 0.8, (v) => v > 0, 'a positive noise multiplier'),
          }
        : null,
      encryption: values.encryption ? (scheme === 'ckks' ? 'ckks' : 'bfv') : null,
      browser: values.browser ?? false,
      out: values.out ?? null,
      dataDir: values['data-dir'] ?? null,
      csv: values.csv !== undefined ? { file: values.csv, label: values.label! } : null,
      alpha: alpha === 0 ? Number.POSITIVE_INFINITY : alpha,
      json: values.json ?? false,
      byzantine,
      aggregator: (aggregator as Aggregator | undefined) ?? null,
    },
  }
}

/** `--byzantine K --attack A`: null without them; throws saying what is wrong. */
function parseByzantine(
  count: string | undefined,
  attack: string | undefined,
  clients: number,
): RunOptions['byzantine'] {
  if (count === undefined) {
    if (attack !== undefined) throw new Error('--attack needs --byzantine K (how many clients attack)')
    return null
  }
  const k = Number(count)
  if (count.trim() === '' || !Number.isInteger(k) || k < 0) {
    throw new Error(`--byzantine ${count}: a whole number of malicious clients >= 0`)
  }
  if (k >= clients) {
    throw new Error(
      `--byzantine ${count}: must be fewer than the ${clients} clients (--clients), so some are honest`,
    )
  }
  if (attack === undefined) throw new Error(`--byzantine needs --attack A: one of ${ATTACKS.join(', ')}`)
  if (!(ATTACKS as readonly string[]).includes(attack)) {
    throw new Error(`--attack ${attack}: use one of ${ATTACKS.join(', ')}`)
  }
  return k === 0 ? null : { count: k, attack: attack as Attack }
}
