"""The simulated neighbourhood: scenarios, the simulator that runs the node's pump on the
simulated LoRa mesh, and the demo neighbourhood of meshaid processes on fake radios.
"""
