import { fail, ok, type Result } from './result'

/**
 * Bytes as they arrive from socket.io: an ArrayBuffer in the browser, a Buffer (a Uint8Array view into a
 * possibly larger, possibly unaligned buffer) in Node.
 */
export type Binary = ArrayBuffer | ArrayBufferView

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function requireLittleEndian(): void {
  if (!littleEndian)
    throw new Error('Privx weight codec assumes a little-endian platform (every browser and Node target is)')
}

/**
 * Weights to send: an ArrayBuffer holding exactly these float32 values, little-endian. Copies only when the
 * array is a view on part of a larger buffer, so what is sent is never more than the weights.
 */
export function encodeFloat32(values: Float32Array): ArrayBuffer {
  requireLittleEndian()
  const { buffer, byteOffset, byteLength } = values
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer
  return values.slice().buffer as ArrayBuffer
}

/** A byte view of received binary, without copying. */
export function bytesOf(data: Binary): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

export function isBinary(value: unknown): value is Binary {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value)
}

/**
 * Reads float32 values from received bytes. Zero-copy when the bytes are 4-byte aligned, otherwise copied into
 * an aligned buffer: a Node Buffer may start at any offset of its pool. The result may alias the input.
 * Fails (as a value) on anything that is not bytes, or a byte length that is not a whole number of floats or,
 * when `expectedLength` is given, not exactly that many floats.
 */
export function decodeFloat32(data: unknown, expectedLength?: number): Result<Float32Array> {
  requireLittleEndian()
  if (!isBinary(data))
    return fail('bad-payload', `weights must be binary (ArrayBuffer or Buffer), got ${typeName(data)}`)
  const buffer = data instanceof ArrayBuffer ? data : data.buffer
  const byteOffset = data instanceof ArrayBuffer ? 0 : data.byteOffset
  const byteLength = data.byteLength
  if (byteLength % 4 !== 0) {
    return fail('wrong-shape', `weights are ${byteLength} bytes, not a whole number of float32 values`)
  }
  const length = byteLength / 4
  if (expectedLength !== undefined && length !== expectedLength) {
    return fail('wrong-shape', `weights have ${length} values, the model has ${expectedLength}`)
  }
  if (byteOffset % 4 === 0) return ok(new Float32Array(buffer, byteOffset, length))
  const aligned = new Uint8Array(byteLength)
  aligned.set(new Uint8Array(buffer, byteOffset, byteLength))
  return ok(new Float32Array(aligned.buffer))
}

/** Index of the first NaN or infinite value, or -1 when all are finite. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) return i
  }
  return -1
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a JSON array'
  return typeof value
}
