//! Link, IP and TCP layers: packets in, reassembled TCP byte streams out.
