import { Decoder, Encoder } from 'socket.io-parser'
import { ciphertextCount, MAX_ENCRYPTED_PARAMETERS, presetFor } from '../../shared/he/limits'

/**
 * Binary attachments one packet may carry: an encrypted update of the largest model encryption allows sends one
 * ciphertext per attachment (25 BFV-8192 ciphertexts for 200,000 parameters), and socket.io's parser allows 10 by
 * default, which cut such an update off as a broken connection. The bytes they hold while a message is incomplete
 * are bounded separately, per address (`pendingBytesPerAddress`).
 */
export const MAX_ATTACHMENTS =
  Math.max(
    ciphertextCount(presetFor('bfv'), MAX_ENCRYPTED_PARAMETERS),
    ciphertextCount(presetFor('ckks'), MAX_ENCRYPTED_PARAMETERS),
  ) + 2

/** socket.io's own parser, with the attachment limit above. */
class BoundedDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: MAX_ATTACHMENTS })
  }
}

export const boundedParser = { Encoder, Decoder: BoundedDecoder }
