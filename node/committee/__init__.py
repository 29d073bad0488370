"""What the mutual aid committee reads and organises: the board at a glance, the weekly
and monthly report, the needs map, the printable board, and (in their own modules)
matching offers with needs and emergency redistribution.

Reads take the store's plain sqlite3 connection (``BoardStore.reading``) and let SQLite
filter, group and count, so that each command stays quick on a board of 100,000 entries.
"""
