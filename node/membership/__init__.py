"""This node's neighbourhood: the member roster, joining, and the epoch keys that seal gossip."""
