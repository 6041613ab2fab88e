//! Capture files (pcap, pcapng): push file bytes in chunks, pull packets.
