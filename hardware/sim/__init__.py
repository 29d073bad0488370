"""The simulated LoRa mesh (lorasim.py) and the topologies it runs on (topology.py)."""
