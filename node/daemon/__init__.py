"""The node daemon: the pump between radio, sync engine and store, and what serves it.

pump.py is the one loop body the daemon and the simulator share; service.py drives it with
asyncio on a real radio; control.py is the local socket; channel_manners.py the firmware's
politeness on a busy channel; radio_config.py the [radio] section.
"""
