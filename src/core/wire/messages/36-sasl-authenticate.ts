/**
 * SaslAuthenticate (key 36): one SASL token each way (PLAIN: one round,
 * SCRAM: two).
 *
 * Versions 0-2, all there are. kafkajs 2.2.4 sends up to v1, librdkafka 2.0
 * v0, kafka-python 2.0.2 never (it sends bare tokens after SaslHandshake
 * v0); v1 adds the session lifetime, v2 is the first flexible version.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const saslAuthenticate = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexible: '2+',
  request: [{name: 'authBytes', type: 'bytes', versions: '0+'}],
  response: [
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {name: 'errorMessage', type: 'string', versions: '0+', nullable: '0+', default: null},
    {name: 'authBytes', type: 'bytes', versions: '0+'},
    {name: 'sessionLifetimeMs', type: 'int64', versions: '1+', default: 0},
  ],
} as const satisfies ApiSchema

export type SaslAuthenticateRequest = RequestOf<typeof saslAuthenticate>
export type SaslAuthenticateResponse = ResponseOf<typeof saslAuthenticate>
export type SaslAuthenticateRequestInput = RequestInput<typeof saslAuthenticate>
export type SaslAuthenticateResponseInput = ResponseInput<typeof saslAuthenticate>
