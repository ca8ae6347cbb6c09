"""The session layer: what a running session does, without Qt, between the engine and coaching below and
the window and command line above. `drill_set`: one coached set on a running engine and how it is filed;
`sling_feedback`: the figures the feedback column shows for a lat and an opposite glute."""
