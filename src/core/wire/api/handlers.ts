/**
 * Every API handler this broker serves, one file per API key beside this
 * one. A list, not a directory scan: the CLI runs from a bundle, where the
 * handler files are no longer files (test/core/broker/handlers.test.ts
 * checks that each NN-name.ts file is listed here).
 */
import type {ApiHandler} from '../../broker/api-handler.js'
import produceHandler from './00-produce.js'
import fetchHandler from './01-fetch.js'
import listOffsetsHandler from './02-list-offsets.js'
import metadataHandler from './03-metadata.js'
import offsetCommitHandler from './08-offset-commit.js'
import offsetFetchHandler from './09-offset-fetch.js'
import findCoordinatorHandler from './10-find-coordinator.js'
import joinGroupHandler from './11-join-group.js'
import heartbeatHandler from './12-heartbeat.js'
import leaveGroupHandler from './13-leave-group.js'
import syncGroupHandler from './14-sync-group.js'
import describeGroupsHandler from './15-describe-groups.js'
import listGroupsHandler from './16-list-groups.js'
import saslHandshakeHandler from './17-sasl-handshake.js'
import apiVersionsHandler from './18-api-versions.js'
import createTopicsHandler from './19-create-topics.js'
import deleteTopicsHandler from './20-delete-topics.js'
import initProducerIdHandler from './22-init-producer-id.js'
import offsetForLeaderEpochHandler from './23-offset-for-leader-epoch.js'
import describeConfigsHandler from './32-describe-configs.js'
import saslAuthenticateHandler from './36-sasl-authenticate.js'
import createPartitionsHandler from './37-create-partitions.js'
import deleteGroupsHandler from './42-delete-groups.js'
import electLeadersHandler from './43-elect-leaders.js'
import incrementalAlterConfigsHandler from './44-incremental-alter-configs.js'

export const HANDLERS: readonly ApiHandler[] = [
  produceHandler as unknown as ApiHandler,
  fetchHandler as unknown as ApiHandler,
  listOffsetsHandler as unknown as ApiHandler,
  metadataHandler as unknown as ApiHandler,
  offsetCommitHandler as unknown as ApiHandler,
  offsetFetchHandler as unknown as ApiHandler,
  findCoordinatorHandler as unknown as ApiHandler,
  joinGroupHandler as unknown as ApiHandler,
  heartbeatHandler as unknown as ApiHandler,
  leaveGroupHandler as unknown as ApiHandler,
  syncGroupHandler as unknown as ApiHandler,
  describeGroupsHandler as unknown as ApiHandler,
  listGroupsHandler as unknown as ApiHandler,
  saslHandshakeHandler as unknown as ApiHandler,
  apiVersionsHandler as unknown as ApiHandler,
  createTopicsHandler as unknown as ApiHandler,
  deleteTopicsHandler as unknown as ApiHandler,
  initProducerIdHandler as unknown as ApiHandler,
  offsetForLeaderEpochHandler as unknown as ApiHandler,
  describeConfigsHandler as unknown as ApiHandler,
  saslAuthenticateHandler as unknown as ApiHandler,
  createPartitionsHandler as unknown as ApiHandler,
  deleteGroupsHandler as unknown as ApiHandler,
  electLeadersHandler as unknown as ApiHandler,
  incrementalAlterConfigsHandler as unknown as ApiHandler,
]
