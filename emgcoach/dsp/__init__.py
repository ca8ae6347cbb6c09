"""Signal processing: streaming stages and metrics. Imports numpy and scipy only."""
