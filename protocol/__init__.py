"""meshaid's on-air formats: pure codecs with no clock, I/O or threads."""
