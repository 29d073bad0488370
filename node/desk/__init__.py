"""The phone desk: residents' direct messages taken, answered and routed.

The desk reads what the pure parser (meshaid.node.phone) understood and acts on the store,
asking first before anything it is not sure of (desk.py says what is confirmed and why).
posters.py remembers who posted what and routes.py where a poster's answer goes, both in
the node's database (they survive a restart, never go on air); sessions.py keeps, in
memory, each sender's language, pages for "more" and the question waiting for a yes.
"""
