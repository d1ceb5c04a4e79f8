import type { RandomSource } from '../../../shared/random'

/** Every event the coordinator serves, and a few it does not: fuzzed names are drawn from these and from noise. */
export const CLIENT_EVENTS = [
  'client:challenge',
  'client:tasks',
  'client:hello',
  'client:ready',
  'client:progress',
  'client:decline',
  'client:update',
  'client:evaluation',
  'client:statistics',
  'client:transaction',
  'client:account',
  'client:encrypted-update',
  'client:he-key',
  'client:he-envelope',
  'client:infer',
  'market:search',
  'market:dataset',
  'market:statistics',
  'market:wallet',
  'market:deliver',
  'market:delivery',
  'market:model',
]
export const DASHBOARD_EVENTS = [
  'dashboard:chain',
  'dashboard:fund-task',
  'dashboard:block',
  'dashboard:verify-chain',
  'dashboard:reverify-chain',
  'dashboard:proof',
  'dashboard:watch',
  'dashboard:control',
  'dashboard:configure',
  'dashboard:create-task',
  'dashboard:statistics',
  'dashboard:model',
]
const ODD_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'disconnect',
  'connect',
  'error',
  '',
]

/**
 * A frame and whether it is binary: what a hostile peer writes to the WebSocket. `breaks` marks frames that are not
 * socket.io packets at all: the coordinator closes the connection on them, so the fuzzer sends each on a connection
 * of its own.
 */
export type FuzzFrame = ({ kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array }) & {
  readonly breaks: boolean
}

const pick = <T>(random: RandomSource, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

function randomString(random: RandomSource, max: number): string {
  const length = Math.floor(random() ** 3 * max)
  let s = ''
  for (let i = 0; i < length; i++) {
    const r = random()
    s +=
      r < 0.7
        ? String.fromCharCode(32 + Math.floor(random() * 95))
        : String.fromCodePoint(Math.floor(random() * 0x2ffff))
  }
  return s
}

const NUMBERS = [0, -1, 1, 0.5, 1e9, 1e10, -1e308, 1e308, 3.3e38, 2 ** 53, -0, 1e-320, 42]
const KEYS = [
  'taskId',
  'publicKey',
  'proof',
  'signature',
  'timestamp',
  'round',
  'baseVersion',
  'examples',
  'delta',
  'metrics',
  'trainExamples',
  'testExamples',
  'keyId',
  'ciphertexts',
  'address',
  'purchaseId',
  'datasetId',
  'index',
  'txId',
  'protocol',
  'backend',
  'envelopeKey',
  'action',
  'patch',
  'amount',
  'epsilon',
  '__proto__',
  'constructor',
  'body',
]

/** Random JSON of bounded depth, biased towards the protocol's field names and edge numbers. */
export function randomJson(random: RandomSource, depth = 0): unknown {
  const r = random()
  if (depth > 3 || r < 0.3) {
    const leaf = random()
    if (leaf < 0.3) return pick(random, NUMBERS)
    if (leaf < 0.6) return randomString(random, 80)
    if (leaf < 0.7) return null
    if (leaf < 0.8) return random() < 0.5
    if (leaf < 0.9) return 'a'.repeat(Math.floor(random() * 5000))
    return pick(random, ['demo-diabetes', '0'.repeat(64), 'f'.repeat(128), 'px' + '0'.repeat(40), 'p-1'])
  }
  if (r < 0.55) return Array.from({ length: Math.floor(random() * 6) }, () => randomJson(random, depth + 1))
  const object: Record<string, unknown> = {}
  for (let i = Math.floor(random() * 7); i > 0; i--) {
    const key = random() < 0.8 ? pick(random, KEYS) : randomString(random, 20)
    Object.defineProperty(object, key, {
      value: randomJson(random, depth + 1),
      enumerable: true,
      writable: true,
    })
  }
  return object
}

/** Hand-written packets that broke, or could break, a socket.io server. */
const MALFORMED = [
  '42',
  '4',
  '42[',
  '42]',
  '42[1,{}]',
  '42[null]',
  '42[{}]',
  '42[[]]',
  '42[true]',
  '42["__proto__"]',
  '42["constructor",{}]',
  '42["toString"]',
  '421',
  '421[1]',
  '43',
  '431[]',
  '46',
  '49',
  '4x',
  '5',
  '6',
  '1',
  '3',
  '',
  '42{}',
  '42"client:hello"',
  '42[-1]',
  '42[1e999]',
  '4999999-["client:update"]',
  '451-["client:update",{"delta":{"_placeholder":true,"num":9}}]',
  '451-["client:update",{"delta":{"_placeholder":true,"num":"__proto__"}}]',
  '40/nowhere,',
  '41',
  '44',
  `42${'['.repeat(5000)}${']'.repeat(5000)}`,
  `42["${'x'.repeat(20000)}"]`,
]

/** One fuzzed frame: malformed packets, random names, protocol events with random or mutated payloads, raw bytes. */
export function fuzzFrame(random: RandomSource, events: readonly string[], namespace: string): FuzzFrame {
  const ns = namespace === '/' ? '' : `${namespace},`
  const r = random()
  if (r < 0.15) {
    const text = pick(random, MALFORMED)
    return {
      kind: 'text',
      text: ns && text.startsWith('42') ? `42${ns}${text.slice(2)}` : text,
      breaks: true,
    }
  }
  if (r < 0.18) return { kind: 'text', text: randomString(random, 200), breaks: true }
  if (r < 0.2) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(random() * 4096)))
    return { kind: 'binary', bytes, breaks: true }
  }
  const name =
    random() < 0.8
      ? pick(random, events)
      : random() < 0.5
        ? pick(random, ODD_NAMES)
        : random() < 0.5
          ? 7
          : randomJson(random)
  // socket.io's parser itself refuses names that are not strings or numbers, and its reserved names: the
  // connection closes on those.
  const reserved = [
    'connect',
    'connect_error',
    'disconnect',
    'disconnecting',
    'newListener',
    'removeListener',
  ]
  const breaks = !(typeof name === 'number' || (typeof name === 'string' && !reserved.includes(name)))
  const ack = random() < 0.6 ? String(1 + Math.floor(random() * 1e6)) : ''
  const args =
    random() < 0.1 ? [randomJson(random), randomJson(random)] : random() < 0.1 ? [] : [randomJson(random)]
  if (random() < 0.1) {
    // A binary event whose payload points at one attachment: the attachment follows as its own frame.
    return {
      kind: 'text',
      text: `451-${ns}${ack}${JSON.stringify([name, { ...(args[0] as object), delta: { _placeholder: true, num: 0 } }])}`,
      breaks,
    }
  }
  return { kind: 'text', text: `42${ns}${ack}${JSON.stringify([name, ...args])}`, breaks }
}
