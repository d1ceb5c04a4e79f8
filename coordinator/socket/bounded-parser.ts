import { Decoder, Encoder } from 'socket.io-parser'
import { MAX_MESSAGE_ATTACHMENTS } from '../../shared/he/limits'

/**
 * Attachments per packet the coordinator decodes (`MAX_MESSAGE_ATTACHMENTS`). The bytes they hold while a message is
 * incomplete are bounded separately, per address (`pendingBytesPerAddress`).
 */
export const MAX_ATTACHMENTS = MAX_MESSAGE_ATTACHMENTS

/** socket.io's own parser, with the attachment limit above. */
class BoundedDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: MAX_ATTACHMENTS })
  }
}

export const boundedParser = { Encoder, Decoder: BoundedDecoder }
