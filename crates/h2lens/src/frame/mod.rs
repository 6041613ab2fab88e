//! HTTP/2 frames (RFC 9113 §6), one module per frame type.
