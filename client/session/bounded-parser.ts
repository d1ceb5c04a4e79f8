import { Decoder, Encoder } from 'socket.io-parser'
import { MAX_MESSAGE_ATTACHMENTS } from '../../shared/he/limits'

/**
 * The tab's decoder takes as many attachments per packet as the coordinator's (`MAX_MESSAGE_ATTACHMENTS`): an
 * encrypted aggregate or checkpoint of a large model carries one ciphertext per attachment, and the default of 10
 * made such a packet a "parse error" that dropped the connection.
 */
class TabDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: MAX_MESSAGE_ATTACHMENTS })
  }
}

export const tabParser = { Encoder, Decoder: TabDecoder }
