/** Moved to core/wire so a follower broker (below the clients) uses the same connection. */
export * from '../wire/kafka-connection.js'
