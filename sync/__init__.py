"""meshaid's gossip: pure state machines with no clock, I/O or threads of their own."""
