"""Sources (simulator, replay), the engine, clock alignment and ring buffers."""
