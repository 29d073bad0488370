"""The phone desk: residents' direct messages taken, answered and routed.

The desk reads what the pure parser (meshaid.node.phone) understood and acts on the store,
asking first before anything it is not sure of (desk.py says what is confirmed and why).
identity.py says whether a message proves it comes from the radio it names (PKI and the
keys the roster pins); posters.py remembers who posted what, routes.py where a poster's
answer goes, and outbox.py the replies not yet sent, all in the node's database (they
survive a restart, never go on air); sending.py moves replies between the desk and the
pump; sessions.py keeps, in memory, each sender's language, pages for "more" and the
question waiting for a yes.
"""
