import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { ATTACKS, type Attack } from '../client/headless/byzantine-trainer'
import { type RobustnessConfig, robustnessConfigSchema } from '../shared/rounds/config'

export const MODES = ['demo', 'market', 'federated', 'full', 'verify'] as const
export type Mode = (typeof MODES)[number]

export type Aggregator = RobustnessConfig['aggregator']
export const AGGREGATORS: readonly Aggregator[] = robustnessConfigSchema.shape.aggregator.options

/** What a run trains with unless told otherwise. */
export const RUN_DEFAULTS = {
  hidden: [16, 8],
  learningRate: 0.02,
  batchSize: 32,
  optimizer: 'adam',
  localEpochs: 2,
} as const

/**
 * What `full` trains with unless told otherwise: the market's logistic model, under the listing's DP-SGD, on the
 * provider's non-IID clients needs larger steps and more local epochs than the MLP (at 0.02 and 2 epochs it stayed
 * at the majority class; at 0.2 and 5 it reaches 82 to 92% against a majority class of 60%).
 */
export const FULL_DEFAULTS = { learningRate: 0.2, localEpochs: 5 } as const

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
  /** Hidden layer sizes of the MLP ([] for logistic regression); `full` trains the market's logistic model. */
  readonly hidden: readonly number[]
  readonly learningRate: number
  readonly batchSize: number
  readonly optimizer: 'adam' | 'sgd'
  /** A task schema (JSON) to read --csv with, instead of inferring one. */
  readonly schema: string | null
  /** Attack simulation: the first `count` clients are malicious and mount `attack`. */
  readonly byzantine: { readonly count: number; readonly attack: Attack } | null
  /** The aggregation rule asked for; null keeps the coordinator's default. */
  readonly aggregator: Aggregator | null
  /** Worker threads the Node clients train in; 0 trains them in the main thread, taking turns. */
  readonly workers: number
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
  --csv FILE --label COLUMN  train on your own CSV, split across the clients, with a 20% held-out test split;
                     the CLI reports what it read as a tab does (rows dropped and why, the inferred schema)
    --schema FILE    read the CSV with this task schema (JSON, as the coordinator page writes it) instead of
                     inferring one
  --alpha A          Dirichlet alpha of the non-IID label split (0 = IID)     default 0.5
  --hidden H,H,...   hidden layer sizes of the MLP, e.g. 124,64,32 (0: logistic regression; full trains the
                     market's logistic model)                                 default 16,8
  --lr L             learning rate                                            default 0.02 (full: 0.2)
  --batch B          batch size                                               default 32
  --optimizer O      adam or sgd                                              default adam
  --local-epochs E   local epochs per round                                   default 2 (full: 5)
  --seed N           seed of generated data, splits, initial weights and shuffles: the same command and seed
                     give the same numbers on the same machine, except with --privacy (DP noise is drawn from
                     a secure random source, never from the seed) and --browser      default 42
  --aggregator R     aggregation rule: ${AGGREGATORS.join(', ')}
                                                                              default multi-krum (FedAvg under
                                                                              --privacy or --encryption)
  --byzantine K      attack simulation: K of the clients (fewer than --clients) are malicious; with:
    --attack A       ${ATTACKS.join(', ')}
                     (scale: update x 1e6; sign-flip: -10 x update; noise: Gaussian of 100x its norm;
                     examples: declares 1e9 examples; label-flip: trains on shifted labels; backdoor: half its
                     rows get the first two features at their max and the first class, its update boosted x the
                     clients (model replacement); the summary gives the backdoor's success rate)
  --workers N        worker threads the Node clients train in (clients share them in turn; 0: all in the
                     main thread)                                             default: one per core, at most
                                                                              one per client
  --browser          real headless Chromium tabs instead of Node clients (needs Chromium; see README)
  --out DIR          write summary.json, SVG charts and the trained model there: model.json and its weights
                     (TensorFlow.js format: tf.loadLayersModel('file://DIR/model.json')) and schema.json, the
                     task schema that scales its inputs
  --data-dir DIR     where the chain is kept                                  default: a temporary directory,
                                                                              removed at the end
  --json             a machine-readable summary on stdout (progress goes to stderr)
  --help             this text`

/** Parses the command line; throws an Error whose message says which option is wrong and why. */
export function parseOptions(argv: readonly string[]): {
  mode: Mode | null
  help: boolean
  options: RunOptions
} {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(argv, VALUE_OPTIONS),
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
      hidden: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      optimizer: { type: 'string' },
      schema: { type: 'string' },
      seed: { type: 'string' },
      aggregator: { type: 'string' },
      byzantine: { type: 'string' },
      attack: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const number = (name: string, fallback: number, check: (v: number) => boolean, rule: string): number => {
    const raw = values[name as keyof typeof values]
    if (raw === undefined) return fallback
    const v = Number(raw)
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !check(v)) {
      throw new Error(`--${name} must be ${rule}, got ${String(raw)}`)
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
    throw new Error(`--scheme must be bfv or ckks, got ${scheme}`)
  if (scheme !== undefined && !values.encryption) throw new Error('--scheme needs --encryption')
  if ((values.csv === undefined) !== (values.label === undefined)) {
    throw new Error('--csv and --label go together: the file and the column to predict')
  }
  const level = values['privacy-level']
  if (level !== undefined && level !== 'client' && level !== 'example') {
    throw new Error(`--privacy-level must be client or example, got ${level}`)
  }
  if (values.schema !== undefined && values.csv === undefined) {
    throw new Error('--schema needs --csv: it says how to read that file')
  }
  const optimizer = values.optimizer
  if (optimizer !== undefined && optimizer !== 'adam' && optimizer !== 'sgd') {
    throw new Error(`--optimizer must be adam or sgd, got ${optimizer}`)
  }
  const usesPrivacyOptions = ['epsilon', 'delta', 'clip', 'noise', 'privacy-level'].filter(
    (k) => values[k as keyof typeof values] !== undefined,
  )
  if (usesPrivacyOptions.length && !values.privacy) {
    throw new Error(`--${usesPrivacyOptions[0]} needs --privacy`)
  }
  const alpha = number('alpha', 0.5, (v) => v >= 0, 'a Dirichlet alpha ≥ 0 (0 = IID)')
  const clients = number('clients', 3, (v) => int(v) && v >= 1 && v <= 64, 'a whole number from 1 to 64')
  const full = first === 'full'
  if (full && values.hidden !== undefined) {
    throw new Error(
      '--hidden: full trains the model the market sells (logistic regression); shape a model with federated',
    )
  }
  const aggregator = values.aggregator
  if (aggregator !== undefined && !(AGGREGATORS as readonly string[]).includes(aggregator)) {
    throw new Error(`--aggregator must be one of ${AGGREGATORS.join(', ')}, got ${aggregator}`)
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
  if (values.workers !== undefined && values.browser) {
    throw new Error('--workers sets the threads of Node clients: browser tabs (--browser) train in their own')
  }
  const workers = number(
    'workers',
    Math.min(availableParallelism(), clients),
    (v) => int(v) && v >= 0 && v <= 64,
    'a whole number from 0 to 64 (0: train in the main thread)',
  )
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
      rounds: number('rounds', 5, (v) => int(v) && v >= 1 && v <= 1000, 'a whole number ≥ 1 (at most 1000)'),
      localEpochs: number(
        'local-epochs',
        full ? FULL_DEFAULTS.localEpochs : RUN_DEFAULTS.localEpochs,
        (v) => int(v) && v >= 1 && v <= 100,
        'a whole number ≥ 1 (at most 100)',
      ),
      hidden: parseHidden(values.hidden) ?? RUN_DEFAULTS.hidden,
      learningRate: number(
        'lr',
        full ? FULL_DEFAULTS.learningRate : RUN_DEFAULTS.learningRate,
        (v) => v > 0 && v <= 10,
        'a learning rate > 0 (at most 10)',
      ),
      batchSize: number(
        'batch',
        RUN_DEFAULTS.batchSize,
        (v) => int(v) && v >= 1 && v <= 65_536,
        'a whole number ≥ 1 (at most 65536)',
      ),
      optimizer: (optimizer as 'adam' | 'sgd' | undefined) ?? RUN_DEFAULTS.optimizer,
      schema: values.schema ?? null,
      seed: number('seed', 42, (v) => int(v) && v >= 0, 'a whole number ≥ 0'),
      privacy: values.privacy
        ? {
            level: level === 'example' ? 'example' : 'client',
            epsilon: number('epsilon', 10, (v) => v > 0, 'a positive epsilon'),
            delta: number('delta', 1e-5, (v) => v > 0 && v < 1, 'a delta between 0 and 1 (exclusive)'),
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
      workers: Math.min(workers, clients),
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
    throw new Error(`--byzantine must be a whole number of malicious clients ≥ 0, got ${count}`)
  }
  if (k >= clients) {
    throw new Error(
      `--byzantine ${count}: must be fewer than the ${clients} clients (--clients), so some are honest`,
    )
  }
  if (attack === undefined) throw new Error(`--byzantine needs --attack A: one of ${ATTACKS.join(', ')}`)
  if (!(ATTACKS as readonly string[]).includes(attack)) {
    throw new Error(`--attack must be one of ${ATTACKS.join(', ')}, got ${attack}`)
  }
  return k === 0 ? null : { count: k, attack: attack as Attack }
}

/** Options that take a value: `--rounds -1` gives them "-1", as `--rounds=-1` does. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  'clients',
  'rounds',
  'epsilon',
  'delta',
  'clip',
  'noise',
  'alpha',
  'local-epochs',
  'seed',
  'byzantine',
  'lr',
  'batch',
  'hidden',
  'workers',
])

/**
 * node's parseArgs reads `--rounds -1` as an option without its value ("argument is ambiguous"); a value that
 * looks like a negative number is joined to its option (`--rounds=-1`) so the check names the option and the value.
 */
export function joinNegativeValues(argv: readonly string[], options: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    if (arg.startsWith('--') && options.has(arg.slice(2)) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

/** `--hidden 124,64,32`: the hidden layer sizes; `0` for none (logistic regression); null when not given. */
function parseHidden(raw: string | undefined): readonly number[] | null {
  if (raw === undefined) return null
  if (raw.trim() === '0') return []
  const sizes = raw.split(',').map((s) => s.trim())
  const bad = sizes.find((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 4096)
  if (bad !== undefined || sizes.length > 8) {
    throw new Error(
      `--hidden must be 1 to 8 layer sizes from 1 to 4096 separated by commas (e.g. 124,64,32), or 0 for none, got ${raw}${bad !== undefined ? ` ("${bad}" is not a size)` : ''}`,
    )
  }
  return sizes.map(Number)
}
