"""emgcoach: two-sensor surface-EMG biofeedback for the posterior oblique sling."""

__version__ = "0.1.0"
