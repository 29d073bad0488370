"""The phone desk: residents' direct messages taken, answered and routed.

The desk reads what the pure parser (meshaid.node.phone) understood and acts on the store;
posters.py remembers who posted what (never on air), sessions.py paging and reply routing.
"""
