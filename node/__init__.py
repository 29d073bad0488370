"""meshaid.node: everything a node keeps and does, shared by the daemon and the CLI.

Board store and services:

* ``services``: init, open, post, board, show, close (start here);
* ``store``: the durable board in SQLite, the CRDT join of meshaid.sync.merge in rows;
* ``models``, ``database``, ``migrations/``: tables, SQLite settings, Alembic revisions;
* ``home``, ``config``, ``keys``, ``clock``: the node home, meshaid.toml, the node key,
  and the clamped on-air clock;
* ``codes``, ``timeparse``, ``views``: entry codes, dates as typed, plain results;
* ``errors``: ``NodeError`` and its subclasses, one-line messages fit to show.
"""
