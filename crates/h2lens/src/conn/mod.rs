//! The connection decoder: one TCP connection, both directions, to frames, header blocks, streams and exchanges.
