"""The simulator: synthetic surface EMG with ground truth, deterministic from a seed.

`scenario` (what the person does: bursts, levels, markers), `signal` (shaped EMG noise, ramps, the chunked
generator) with `artefacts`, `session` (a whole session generated at once, `simulate`), `source` (the same
samples streamed as a live `Source`, `SimulatorSource`) and `client` (a simulated person following the
app's cues live, `SimulatedClient`).
"""
