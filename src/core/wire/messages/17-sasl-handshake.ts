/**
 * SaslHandshake (key 17): the client names a SASL mechanism. Never flexible:
 * its version cannot move because clients send it before knowing what the
 * broker supports.
 *
 * Versions 0-1, all there are. kafka-python 2.0.2 sends v0, after which the
 * SASL tokens go over the socket as bare length-prefixed frames, not in
 * SaslAuthenticate; kafkajs 2.2.4 and librdkafka 2.0 send v1 and then
 * SaslAuthenticate requests.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const saslHandshake = {
  apiKey: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: [{name: 'mechanism', type: 'string', versions: '0+'}],
  response: [
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {name: 'mechanisms', type: '[]string', versions: '0+'},
  ],
} as const satisfies ApiSchema

export type SaslHandshakeRequest = RequestOf<typeof saslHandshake>
export type SaslHandshakeResponse = ResponseOf<typeof saslHandshake>
export type SaslHandshakeRequestInput = RequestInput<typeof saslHandshake>
export type SaslHandshakeResponseInput = ResponseInput<typeof saslHandshake>
