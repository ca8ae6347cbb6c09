"""Where `ui/main_window.py` imports the simulated client from; it lives in `sim/client.py`."""

from emgcoach.stream.sim.client import Cue, SimulatedClient

__all__ = ["Cue", "SimulatedClient"]
